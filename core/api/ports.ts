// `GET /api/workspaces/:id/ports`, `PATCH /api/workspaces/:id/ports/:port`.
import type { PortInfo } from '../ports';

export type { PortInfo, PortVisibility } from '../ports';

export interface PortListResponse {
  ports: PortInfo[];
}

export interface PortResponse {
  port: PortInfo;
}
