// Exit codes scripts can rely on (README "CLI"): a command's own code for `cw exec`, else these.
export const Exit = {
  ok: 0,
  failure: 1,
  usage: 2,
  notSignedIn: 3,
  notFound: 4,
  notRunning: 5,
  unavailable: 6,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = Exit.failure,
  ) {
    super(message);
  }
}
