import type { CliCommand } from './command.ts';
import { CliError } from './context.ts';

/** `login`: an access token from the issuer's token endpoint by the client-credentials flow. */
export const loginCommand: CliCommand = {
  name: 'login',
  help: [
    ['login', 'get an access token by the client-credentials flow'],
    [
      '      [--token-url <url>] [--client-id <id>] [--client-secret <secret>] [--scope <scopes>]',
      '(or TOKEN_URL, CLIENT_ID, CLIENT_SECRET); prints API_TOKEN=…',
    ],
  ],
  async run({ options }) {
    const tokenUrl = options['token-url'] ?? process.env.TOKEN_URL;
    const clientId = options['client-id'] ?? process.env.CLIENT_ID;
    const clientSecret = options['client-secret'] ?? process.env.CLIENT_SECRET;
    if (!tokenUrl || !clientId || !clientSecret) {
      throw new CliError(
        "login needs --token-url (the issuer's …/oauth2/token, see docs/deploy.md), --client-id and --client-secret, or TOKEN_URL, CLIENT_ID and CLIENT_SECRET. `LOCAL_AUTH=1 npm start` prints local ones.",
      );
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.scope) form.set('scope', options.scope);
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: form,
      });
    } catch (error) {
      throw new CliError(`Cannot reach the token endpoint ${tokenUrl} (${(error as Error).message}).`);
    }
    const answer = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: number;
      error?: string;
    };
    if (!response.ok || typeof answer.access_token !== 'string') {
      throw new CliError(
        `The token endpoint answered ${response.status}${answer.error ? ` ${answer.error}` : ''}: check the client id and secret, and that the client may use the client-credentials flow and the scopes asked for.`,
      );
    }
    console.log(`API_TOKEN=${answer.access_token}`);
    console.error(
      `A token${options.scope ? ` for ${options.scope}` : ''}, valid ${answer.expires_in ?? '?'} s: export the line above (export $(npm run -s cli -- login …)) or pass it with --token.`,
    );
  },
};
