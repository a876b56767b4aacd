import { eq } from 'drizzle-orm';
import type { PortVisibility } from '../../core/ports';
import type { Database } from '../client';
import { workspacePorts } from '../schema';

/** Every port of a workspace whose visibility was set: port -> visibility. */
export async function portVisibilities(
  db: Database,
  workspaceId: string,
): Promise<Map<number, PortVisibility>> {
  const rows = await db
    .select({ port: workspacePorts.port, visibility: workspacePorts.visibility })
    .from(workspacePorts)
    .where(eq(workspacePorts.workspaceId, workspaceId));
  return new Map(rows.map((r) => [r.port, r.visibility]));
}

export function setPortVisibility(
  db: Database,
  workspaceId: string,
  port: number,
  visibility: PortVisibility,
  userId: string | null,
) {
  return db
    .insert(workspacePorts)
    .values({ workspaceId, port, visibility, updatedBy: userId })
    .onConflictDoUpdate({
      target: [workspacePorts.workspaceId, workspacePorts.port],
      set: { visibility, updatedBy: userId, updatedAt: new Date() },
    });
}
