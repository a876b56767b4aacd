import ssh2 from 'ssh2';

/** A person on an SSH terminal through the gateway (ssh2's client): keystroke -> next output, timed. */
export class SshProbe {
  private onData: (() => void) | undefined;
  private constructor(
    private readonly conn: ssh2.Client,
    private readonly stream: ssh2.ClientChannel,
  ) {
    stream.on('data', () => {
      const l = this.onData;
      this.onData = undefined;
      l?.();
    });
  }

  static open(host: string, port: number, username: string): Promise<SshProbe> {
    return new Promise((resolve, reject) => {
      const conn = new ssh2.Client();
      conn.once('error', reject);
      conn.once('ready', () => {
        conn.setNoDelay(true); // as OpenSSH does for interactive sessions
        conn.shell({ term: 'xterm-256color', cols: 200, rows: 50 }, (err, stream) =>
          err ? reject(err) : setTimeout(() => resolve(new SshProbe(conn, stream)), 500),
        );
      });
      // The gateway reads the token from the user name (auth `none`).
      conn.connect({ host, port, username, authHandler: ['none'] });
    });
  }

  type(s: string) {
    this.stream.write(s);
  }

  keystroke(ch: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const timer = setTimeout(
        () => reject(new Error(`no SSH echo of ${JSON.stringify(ch)} within 5 s`)),
        5000,
      );
      this.onData = () => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      };
      this.type(ch);
    });
  }

  close() {
    this.conn.end();
  }
}
