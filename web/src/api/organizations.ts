import { api } from './http';
import type { AuditPage, LimitsResponse, UsageResponse } from '../../../core/api/organizations';
import type { UsageGroup } from '../../../core/schemas/organizations';

export interface UsageRange {
  from: string;
  to: string;
  groupBy: UsageGroup;
}

const base = (organizationId: string) => `/api/organizations/${encodeURIComponent(organizationId)}`;

export const usage = {
  get: (organizationId: string, q: UsageRange) =>
    api.get<UsageResponse>(`${base(organizationId)}/usage`, { ...q }),
  /** A link the browser downloads with the session cookie. */
  csvHref: (organizationId: string, q: UsageRange) =>
    `${base(organizationId)}/usage.csv?${new URLSearchParams({ ...q })}`,
};

export const audit = {
  page: (organizationId: string, cursor?: string) =>
    api.get<AuditPage>(`${base(organizationId)}/audit`, cursor ? { cursor } : {}),
};

export const limits = {
  get: (organizationId: string) => api.get<LimitsResponse>(`${base(organizationId)}/limits`),
};
