CREATE TABLE "workspace_usage_spans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" text NOT NULL,
	"workspace_id" uuid NOT NULL,
	"workspace_name" varchar(255) NOT NULL,
	"user_id" text,
	"status" "cloud_workspace_status" NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "workspace_usage_spans_org_idx" ON "workspace_usage_spans" USING btree ("organization_id","started_at");--> statement-breakpoint
CREATE INDEX "workspace_usage_spans_open_idx" ON "workspace_usage_spans" USING btree ("workspace_id","ended_at");