CREATE TYPE "public"."port_visibility" AS ENUM('private', 'public');--> statement-breakpoint
CREATE TABLE "workspace_ports" (
	"workspace_id" uuid NOT NULL,
	"port" integer NOT NULL,
	"visibility" "port_visibility" DEFAULT 'private' NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspace_ports_workspace_id_port_pk" PRIMARY KEY("workspace_id","port")
);
--> statement-breakpoint
ALTER TABLE "workspace_ports" ADD CONSTRAINT "workspace_ports_workspace_id_cloud_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."cloud_workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_ports" ADD CONSTRAINT "workspace_ports_updated_by_user_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;