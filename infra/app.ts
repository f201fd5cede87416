// CDK entry point (`npx cdk synth`, `npx cdk deploy --all`).
import { App } from 'aws-cdk-lib';
import { createHub } from './hub-app.ts';

const app = new App();
createHub(app);
app.synth();
