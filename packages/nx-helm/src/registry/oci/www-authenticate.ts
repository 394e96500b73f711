/** One challenge of a `WWW-Authenticate` header (RFC 7235 section 2.1). */
export interface AuthChallenge {
  /** Lower case: schemes are case-insensitive (`Bearer`, `bearer`). */
  scheme: string;
  /** Parameter names in lower case; values unquoted. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge has no parameters. */
  token68?: string;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/**
 * Parses a `WWW-Authenticate` header into its challenges. Servers may send several challenges in one header, and
 * Node joins repeated headers with ", ", so a comma can end a parameter, a challenge, or sit inside a quoted value.
 * Malformed input ends parsing; what was read up to there is returned.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  const reader = new Reader(header);
  for (;;) {
    reader.skip(/[\s,]/);
    if (reader.done()) break;
    const scheme = reader.token();
    if (!scheme) break;
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    reader.skip(/[ \t]/);
    const token68 = reader.token68();
    if (token68 !== undefined) {
      challenge.token68 = token68;
      continue;
    }
    while (reader.startsParam()) {
      const name = reader.token().toLowerCase();
      reader.skip(/[ \t]/);
      reader.take('=');
      reader.skip(/[ \t]/);
      const value = reader.peek() === '"' ? reader.quoted() : reader.token();
      if (value === undefined) return challenges;
      challenge.params[name] = value;
      reader.skip(/[ \t]/);
      if (reader.peek() !== ',') break;
      reader.take(',');
      reader.skip(/[\s,]/);
    }
  }
  return challenges;
}

/** The first challenge with `scheme` (case-insensitive). */
export function findChallenge(challenges: AuthChallenge[], scheme: string): AuthChallenge | undefined {
  return challenges.find((challenge) => challenge.scheme === scheme.toLowerCase());
}

class Reader {
  private position = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  take(char: string): void {
    if (this.peek() === char) this.position++;
  }

  skip(pattern: RegExp): void {
    while (!this.done() && pattern.test(this.peek())) this.position++;
  }

  token(): string {
    const start = this.position;
    while (!this.done() && TOKEN_CHAR.test(this.peek())) this.position++;
    return this.text.slice(start, this.position);
  }

  /** A token68 is only one if nothing but the end of the challenge follows it; `realm="x"` starts like one too. */
  token68(): string | undefined {
    const rest = this.text.slice(this.position);
    const match = TOKEN68.exec(rest);
    if (!match) return undefined;
    const after = rest.slice(match[0].length).replace(/^[ \t]*/, '');
    if (after !== '' && !after.startsWith(',')) return undefined;
    this.position += match[0].length;
    return match[0];
  }

  /** Whether a `name=` comes next, as opposed to the scheme of the next challenge. */
  startsParam(): boolean {
    return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=/.test(this.text.slice(this.position));
  }

  /** A quoted-string, with backslash escapes resolved; undefined when the closing quote is missing. */
  quoted(): string | undefined {
    let value = '';
    for (let index = this.position + 1; index < this.text.length; index++) {
      const char = this.text[index];
      if (char === '\\' && index + 1 < this.text.length) {
        value += this.text[++index];
      } else if (char === '"') {
        this.position = index + 1;
        return value;
      } else {
        value += char;
      }
    }
    return undefined;
  }
}
