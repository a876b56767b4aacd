/** The bench opens more windows and viewers than an organization's default limits allow. */
export const BENCH_LIMITS = { LIMIT_WINDOWS: '100', LIMIT_TERMINAL_SOCKETS: '500' };
