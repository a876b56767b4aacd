import { api } from './http';
import { followCursors, PAGE_MAX } from '../../../core/api/page';
import type { SecretListResponse, SecretResponse } from '../../../core/api/secrets';

/** One scope's collection: organization, repository or the caller's own. */
export interface SecretsApi {
  list: () => Promise<SecretListResponse>;
  put: (name: string, value: string) => Promise<SecretResponse>;
  remove: (name: string) => Promise<void>;
}

function collection(base: string): SecretsApi {
  const one = (name: string) => `${base}/${encodeURIComponent(name)}`;
  return {
    // The page shows the whole scope (at most 100): its pages followed.
    list: () =>
      followCursors('secrets', (cursor) => api.get<SecretListResponse>(base, { cursor, limit: PAGE_MAX })),
    put: (name, value) => api.put<SecretResponse>(one(name), { value }),
    remove: (name) => api.del(one(name)),
  };
}

export const organizationSecrets = (organizationId: string) =>
  collection(`/api/organizations/${encodeURIComponent(organizationId)}/secrets`);
export const repositorySecrets = (repositoryId: string) =>
  collection(`/api/repositories/${encodeURIComponent(repositoryId)}/secrets`);
export const personalSecrets = () => collection('/api/me/secrets');
