CREATE TYPE "public"."prebuild_status" AS ENUM('building', 'ready', 'failed');--> statement-breakpoint
CREATE TABLE "prebuilds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"repository_id" uuid NOT NULL,
	"branch" varchar(255) NOT NULL,
	"setup_hash" varchar(64) NOT NULL,
	"status" "prebuild_status" DEFAULT 'building' NOT NULL,
	"snapshot_id" varchar(255),
	"commit_sha" varchar(40),
	"message" varchar(1000),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "repositories" ADD COLUMN "setup_command" text;--> statement-breakpoint
ALTER TABLE "repositories" ADD COLUMN "setup_timeout_minutes" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "repositories" ADD COLUMN "prebuilds_enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "cloud_workspaces" ADD COLUMN "setup" jsonb DEFAULT '{"status":"none"}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "cloud_workspaces" ADD COLUMN "setup_hash" varchar(64);--> statement-breakpoint
ALTER TABLE "prebuilds" ADD CONSTRAINT "prebuilds_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prebuilds_repo_branch_idx" ON "prebuilds" USING btree ("repository_id","branch","created_at");