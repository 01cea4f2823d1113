import { randomBytes } from 'node:crypto';
import { type LocalUser, LocalUserError, type LocalUsers } from './local-users.ts';

/** A refresh token's grant, kept by the local issuer until it expires or is revoked. */
export interface RefreshGrant {
  sub: string;
  clientId: string;
  expires: number;
}

/** The few Cognito admin calls the write function makes, answered as Cognito's JSON API does. */
export async function adminCall(
  users: LocalUsers,
  refreshTokens: Map<string, RefreshGrant>,
  target: string,
  body: string,
): Promise<unknown> {
  const input = JSON.parse(body || '{}') as {
    Username?: string;
    GroupName?: string;
    TemporaryPassword?: string;
    MessageAction?: string;
  };
  const username = String(input.Username ?? '');
  const attributes = (user: LocalUser) => [
    { Name: 'sub', Value: user.sub },
    { Name: 'email', Value: user.email },
    { Name: 'email_verified', Value: 'true' },
  ];
  switch (target.replace(/^AWSCognitoIdentityProviderService\./, '')) {
    case 'AdminCreateUser': {
      if (input.MessageAction === 'RESEND') return { User: { Username: users.find(username).sub } };
      const user = await users.create(
        username,
        input.TemporaryPassword ?? randomBytes(18).toString('base64url'),
      );
      return {
        User: { Username: user.sub, Attributes: attributes(user), Enabled: true, UserStatus: 'CONFIRMED' },
      };
    }
    case 'AdminGetUser': {
      const user = users.find(username);
      return { Username: user.sub, UserAttributes: attributes(user), Enabled: user.enabled };
    }
    case 'AdminAddUserToGroup': {
      const user = users.find(username);
      const group = String(input.GroupName ?? '');
      if (!user.groups.includes(group)) await users.update(user, { groups: [...user.groups, group] });
      return {};
    }
    case 'AdminDisableUser': {
      await users.update(users.find(username), { enabled: false });
      return {};
    }
    case 'AdminUserGlobalSignOut': {
      const user = users.find(username);
      for (const [token, grant] of refreshTokens) if (grant.sub === user.sub) refreshTokens.delete(token);
      return {};
    }
    default:
      throw new LocalUserError('InvalidParameterException', `The local issuer does not implement ${target}.`);
  }
}
