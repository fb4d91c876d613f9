/**
 * The portal's token check at the API Gateway edge (AWS only): the `Authorization: Bearer` token of a
 * `/portal/v1/...` request is verified before the api function is invoked, so a request without a good
 * token costs one authorizer call (cached per token) and never reaches the code that reads the table.
 * The api function verifies the token again and scopes every read and write to its tenant: the edge
 * check is a first gate, not the only one. Pure: the tokens come in from the caller.
 */
import { bearerToken, type PortalClaims, type PortalTokens } from './portal-token';

export type PortalDecision =
  | { readonly allow: true; readonly claims: PortalClaims }
  | { readonly allow: false; readonly reason: string };

export async function authorizePortalRequest(
  tokens: Pick<PortalTokens, 'verify'>,
  authorization: string | undefined,
): Promise<PortalDecision> {
  try {
    return { allow: true, claims: await tokens.verify(bearerToken(authorization)) };
  } catch (error) {
    return { allow: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The resource a REST authorizer's policy allows: every portal route of the stage, so one cached
 * decision for a token covers all of them (a policy naming only the first method would deny the rest).
 * `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>` becomes `.../<stage>/*\/portal/v1/*`.
 */
export function portalResourceArn(methodArn: string): string {
  const [prefix, stage] = methodArn.split('/');
  return `${prefix}/${stage}/*/portal/v1/*`;
}
