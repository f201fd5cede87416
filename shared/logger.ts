// Structured JSON logs (Powertools), one logger per process.
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';

const level = z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).catch('INFO').parse(process.env.LOG_LEVEL);

export const logger = new Logger({ serviceName: 'donor-data-hub', logLevel: level });
