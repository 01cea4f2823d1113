import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildServiceApp, DEPLOY_CONTEXT_FILE, readDeployContextFile } from './service-app.ts';
import { PROJECT_ROOT } from './service-functions.ts';

// The deployment's settings file fills the context keys that neither `-c` nor cdk.json sets.
const app = new App({ context: await readDeployContextFile(path.join(PROJECT_ROOT, DEPLOY_CONTEXT_FILE)) });
buildServiceApp(app);
app.synth();
