import { App } from 'aws-cdk-lib';
import { buildServiceApp } from './service-app.ts';

const app = new App();
buildServiceApp(app);
app.synth();
