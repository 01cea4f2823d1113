import { Duration } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PARTNER_USERS_GROUP } from '#core/portal/partner-users.ts';
import type { ServiceFunction } from './service-function.ts';

export interface PartnerPortalProps {
  userPoolId: string;
  callbackUrls: string[];
}

/** The Cognito calls that create, find and disable partner users: the write function's alone. */
export const USER_MANAGEMENT_ACTIONS = [
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminUserGlobalSignOut',
] as const;

/**
 * Partner users in the existing user pool (contract §3.1): the portal's own public app client
 * (authorization code with PKCE, the console's origin as callback, no secret), the `partner-users`
 * group whose name the functions read from `cognito:groups`, and the grant to manage users. The
 * client writes no attribute at all (`WriteAttributes` empty), so no user can change what the
 * vendor set; a user's partner lives in its membership item, never in an attribute.
 */
export class PartnerPortalResources extends Construct {
  readonly userPool: cognito.IUserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: PartnerPortalProps) {
    super(scope, id);
    this.userPool = cognito.UserPool.fromUserPoolId(this, 'UserPool', props.userPoolId);
    new cognito.CfnUserPoolGroup(this, 'PartnerUsersGroup', {
      userPoolId: props.userPoolId,
      groupName: PARTNER_USERS_GROUP,
      description: 'Partner users of the partner scoring portal: vendor routes answer them 403',
    });
    this.client = this.userPool.addClient('PortalClient', {
      userPoolClientName: 'partner-portal',
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: props.callbackUrls,
        logoutUrls: props.callbackUrls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({
        email: true,
        emailVerified: true,
      }),
      writeAttributes: new cognito.ClientAttributes(),
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // A working day of sessions: the console refreshes its tokens, then signs in again.
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
  }

  /** `USER_POOL_ID` and the user-management calls, on this pool only. */
  allowUserManagement(fn: ServiceFunction): void {
    fn.addEnvironment('USER_POOL_ID', this.userPool.userPoolId);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...USER_MANAGEMENT_ACTIONS],
        resources: [this.userPool.userPoolArn],
      }),
    );
  }
}
