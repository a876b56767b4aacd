CREATE TABLE "organization_limits" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"workspaces" integer,
	"running" integer,
	"windows" integer,
	"terminal_sockets" integer,
	"sessions_per_user" integer,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organization_limits" ADD CONSTRAINT "organization_limits_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;