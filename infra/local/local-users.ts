import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/** A user of the local issuer: the vendor's channel team or a partner user (group `partner-users`). */
export interface LocalUser {
  sub: string;
  email: string;
  groups: string[];
  enabled: boolean;
  /** scrypt of the password, `salt:hash` in base64url. */
  password: string;
  createdAt: string;
}

/** Error names as Cognito's API answers them (`__type`), so the SDK raises its own exception classes. */
export class LocalUserError extends Error {
  constructor(
    override readonly name: 'UsernameExistsException' | 'UserNotFoundException' | 'InvalidParameterException',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The local issuer's users, kept in `DATA_DIR/issuer/users.json` across restarts (written to a
 * temporary file and renamed over it, so a SIGKILL leaves the old or the new file, never half of
 * one); in memory only without a directory (tests of the issuer alone). Passwords are stored as
 * scrypt hashes.
 */
export class LocalUsers {
  private users = new Map<string, LocalUser>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string | null) {}

  static async open(dir: string | null): Promise<LocalUsers> {
    const store = new LocalUsers(dir ? path.join(dir, 'users.json') : null);
    if (store.file) {
      const text = await readFile(store.file, 'utf8').catch(() => '');
      if (text) {
        const saved = JSON.parse(text) as { users: LocalUser[] };
        for (const user of saved.users) store.users.set(user.email, user);
      }
    }
    return store;
  }

  byEmail(email: string): LocalUser | undefined {
    return this.users.get(email.trim().toLowerCase());
  }

  bySub(sub: string): LocalUser | undefined {
    for (const user of this.users.values()) if (user.sub === sub) return user;
    return undefined;
  }

  /** Finds a user by its username: the email, or its `sub` (as Cognito accepts either). */
  find(username: string): LocalUser {
    const user = this.byEmail(username) ?? this.bySub(username);
    if (!user) throw new LocalUserError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  async create(email: string, password: string, groups: string[] = []): Promise<LocalUser> {
    const key = email.trim().toLowerCase();
    if (this.users.has(key))
      throw new LocalUserError('UsernameExistsException', 'User account already exists');
    const user: LocalUser = {
      sub: randomUUID(),
      email: key,
      groups,
      enabled: true,
      password: await hashPassword(password),
      createdAt: new Date().toISOString(),
    };
    this.users.set(key, user);
    await this.save();
    return user;
  }

  async update(user: LocalUser, change: Partial<Pick<LocalUser, 'groups' | 'enabled'>>): Promise<void> {
    Object.assign(user, change);
    await this.save();
  }

  /** The enabled user with this email and password, or undefined. */
  async verify(email: string, password: string): Promise<LocalUser | undefined> {
    const user = this.byEmail(email);
    if (!user?.enabled) return undefined;
    return (await checkPassword(password, user.password)) ? user : undefined;
  }

  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const text = `${JSON.stringify({ users: [...this.users.values()] }, null, 2)}\n`;
    this.writing = this.writing.then(async () => {
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, file);
    });
    return this.writing;
  }
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `${salt.toString('base64url')}:${hash.toString('base64url')}`;
}

async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [salt = '', hash = ''] = stored.split(':');
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length || 32);
  return expected.length > 0 && timingSafeEqual(actual, expected);
}
