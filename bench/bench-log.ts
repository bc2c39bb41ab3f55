import pino from 'pino';

/** Warnings and errors only, on stderr: stdout carries the progress lines and the table. */
export const benchLog = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
