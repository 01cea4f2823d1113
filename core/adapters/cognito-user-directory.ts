import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  type CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { PARTNER_USERS_GROUP } from '../portal/partner-users.ts';
import type { UserDirectory } from '../ports.ts';

/**
 * {@link UserDirectory} on a Cognito user pool (locally the local issuer, which answers these calls).
 * A user is created without an invitation, put in {@link PARTNER_USERS_GROUP}, and only then invited
 * (a second `AdminCreateUser` with `RESEND`): nobody can sign in as a partner user that is not in the
 * group yet, so a crash between the calls never leaves a partner user that looks like the vendor.
 */
export class CognitoUserDirectory implements UserDirectory {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async createUser(email: string, options: { temporaryPassword?: string }): Promise<{ userId: string }> {
    const pool = { UserPoolId: this.userPoolId, Username: email };
    let userId: string | undefined;
    try {
      const created = await this.client.send(
        new AdminCreateUserCommand({
          ...pool,
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
          MessageAction: 'SUPPRESS',
          ...(options.temporaryPassword ? { TemporaryPassword: options.temporaryPassword } : {}),
        }),
      );
      userId = created.User?.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value;
    } catch (error) {
      if (!(error instanceof UsernameExistsException)) throw error;
      // A previous attempt created it and stopped before the membership was written.
      const existing = await this.client.send(new AdminGetUserCommand(pool));
      userId = existing.UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value;
    }
    if (!userId) throw new Error(`The user pool returned no sub for the user ${email}.`);
    await this.client.send(new AdminAddUserToGroupCommand({ ...pool, GroupName: PARTNER_USERS_GROUP }));
    if (!options.temporaryPassword) {
      await this.client.send(
        new AdminCreateUserCommand({ ...pool, MessageAction: 'RESEND', DesiredDeliveryMediums: ['EMAIL'] }),
      );
    }
    return { userId };
  }

  async disableUser(email: string): Promise<void> {
    const pool = { UserPoolId: this.userPoolId, Username: email };
    await this.client.send(new AdminDisableUserCommand(pool));
    await this.client.send(new AdminUserGlobalSignOutCommand(pool));
  }
}
