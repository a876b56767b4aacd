// `GET /api/workspaces/:id/ports`, `PATCH /api/workspaces/:id/ports/:port`.
import type { PortInfo } from '../ports';
import type { Paged } from './page';

export type { PortInfo, PortVisibility } from '../ports';

export interface PortListResponse extends Paged {
  ports: PortInfo[];
}

export interface PortResponse {
  port: PortInfo;
}
