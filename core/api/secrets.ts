import type { SecretScope } from '../secrets/rules';
import type { Paged } from './page';

// Response shapes of the secrets routes: names and who changed them when, never a value.

export interface SecretInfo {
  name: string;
  scope: SecretScope;
  updatedAt: string;
  updatedBy: { id: string; name: string } | null;
}

export interface SecretListResponse extends Paged {
  secrets: SecretInfo[];
}

export interface SecretResponse {
  secret: SecretInfo;
  /** False when an existing secret was replaced. */
  created: boolean;
}
