import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Run } from './api.ts';
import { canSignOut, portalAvailable, signedInAs, signIn, signOut, startSignIn } from './auth.ts';
import { ErrorNote, useAsync } from './components.tsx';
import { href, useRoute } from './route.ts';
import { DataQuality } from './views/data-quality.tsx';
import { Imports } from './views/imports.tsx';
import { Leaderboard } from './views/leaderboard/index.tsx';
import { Leads } from './views/leads/index.tsx';
import { ModelView } from './views/model/index.tsx';
import { Movers } from './views/movers.tsx';
import { PartnerPortal } from './views/partner-portal.tsx';
import { Runs } from './views/runs.tsx';
import { Scorecard } from './views/scorecard/index.tsx';
import { ThisWeek, useWorklistCount } from './views/this-week.tsx';

const VIEWS = [
  ['leaderboard', 'Leaderboard'],
  ['this-week', 'This week'],
  ['quality', 'Data quality'],
  ['movers', 'Movers'],
  ['model', 'Model'],
  ['leads', 'Leads'],
  ['imports', 'Imports'],
  ['runs', 'Runs'],
] as const;

type Theme = 'auto' | 'light' | 'dark';
const THEME_KEY = 'console.theme';

function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(
    () => (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'auto',
  );
  useEffect(() => {
    if (theme === 'auto') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
    localStorage.setItem(THEME_KEY, theme);
  }, [theme]);
  return [theme, setTheme];
}

/** The latest run, polled while one is running so every view can show "being scored". */
function useLatestRun(): [Run | undefined, () => void] {
  const [run, setRun] = useState<Run | undefined>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const next = await api.latestRun().catch(() => undefined);
      if (!live) return;
      setRun(next);
      timer = setTimeout(poll, next?.status === 'running' ? 1000 : 15_000);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [tick]);
  return [run, () => setTick((value) => value + 1)];
}

function App() {
  const route = useRoute();
  const [theme, setTheme] = useTheme();
  const [latestRun, refreshRun] = useLatestRun();
  const model = useAsync(() => api.model(), [latestRun?.modelVersion]);
  const [worklistTick, setWorklistTick] = useState(0);
  const worklistCount = useWorklistCount(`${latestRun?.runId}:${latestRun?.status}:${worklistTick}`);
  const current = route.view === 'partner' ? 'leaderboard' : route.view;
  const title =
    route.view === 'partner'
      ? 'Partner scorecard'
      : (VIEWS.find(([view]) => view === route.view)?.[1] ?? 'Not found');
  useEffect(() => {
    document.title = `${title} · Partner scoring`;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route.view, route.id]);

  let view = null;
  if (route.view === 'leaderboard')
    view = <Leaderboard route={route} model={model.value} latestRun={latestRun} />;
  else if (route.view === 'partner' && route.id) view = <Scorecard id={route.id} model={model.value} />;
  else if (route.view === 'movers') view = <Movers route={route} />;
  else if (route.view === 'model')
    view = <ModelView route={route} model={model.value} onActivated={refreshRun} />;
  else if (route.view === 'leads') view = <Leads route={route} model={model.value} />;
  else if (route.view === 'imports') view = <Imports route={route} />;
  else if (route.view === 'runs') view = <Runs latestRun={latestRun} onStarted={refreshRun} />;
  else if (route.view === 'this-week')
    view = <ThisWeek route={route} onChanged={() => setWorklistTick((value) => value + 1)} />;
  else if (route.view === 'quality') view = <DataQuality route={route} />;
  else
    view = (
      <p>
        No such page. <a href={href('leaderboard')}>Go to the leaderboard</a>.
      </p>
    );

  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <div class="brand">
          <svg viewBox="0 0 16 16" width="22" height="22" aria-hidden="true">
            <rect width="16" height="16" rx="3" class="brand-mark" />
            <path d="M4 12V8h2v4zm3 0V5h2v7zm3 0V3h2v9z" fill="#fff" />
          </svg>
          <span>Partner scoring</span>
        </div>
        <nav aria-label="Views" class="tabs">
          {VIEWS.map(([view, label]) => (
            <a key={view} href={href(view)} aria-current={current === view ? 'page' : undefined}>
              {label}
              {view === 'this-week' && worklistCount ? (
                <span class="nav-badge" data-testid="worklist-badge">
                  {worklistCount}
                  <span class="sr-only"> open items of high or medium severity</span>
                </span>
              ) : null}
            </a>
          ))}
        </nav>
        <div class="top-right">
          {latestRun?.status === 'running' ? (
            <span class="pill pill-running">
              <span class="spinner" aria-hidden="true" /> being scored
            </span>
          ) : null}
          {canSignOut() ? (
            <button type="button" onClick={() => void signOut()}>
              Sign out
            </button>
          ) : null}
          <label class="theme">
            <span class="sr-only">Theme</span>
            <select value={theme} onChange={(event) => setTheme(event.currentTarget.value as Theme)}>
              <option value="auto">System theme</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{title}</h1>
        {model.error ? <ErrorNote error={model.error} /> : null}
        {view}
      </main>
    </>
  );
}

/** Before any token: the channel team and partner users sign in through their own app clients. */
function SignInChoice() {
  useEffect(() => {
    document.title = 'Sign in · Partner scoring';
  }, []);
  return (
    <main id="main" class="sign-in">
      <h1>Sign in</h1>
      <p>Choose how you sign in.</p>
      <div class="sign-in-choices">
        <button type="button" onClick={() => void startSignIn('vendor')}>
          Channel team
        </button>
        {portalAvailable() ? (
          <button type="button" onClick={() => void startSignIn('partner')}>
            Partner
          </button>
        ) : null}
      </div>
    </main>
  );
}

const root = document.getElementById('app') as HTMLElement;
signIn().then(
  (signedIn) =>
    render(signedIn ? signedInAs() === 'partner' ? <PartnerPortal /> : <App /> : <SignInChoice />, root),
  (error: unknown) => render(<ErrorNote error={error} />, root),
);
