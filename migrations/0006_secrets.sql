CREATE TABLE "secrets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope" text NOT NULL,
	"organization_id" text,
	"repository_id" uuid,
	"user_id" text,
	"name" text NOT NULL,
	"key_id" text NOT NULL,
	"iv" text NOT NULL,
	"ciphertext" text NOT NULL,
	"updated_by_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "secrets_owner_chk" CHECK ((scope = 'organization' and organization_id is not null and repository_id is null and user_id is null)
       or (scope = 'repository' and organization_id is not null and repository_id is not null and user_id is null)
       or (scope = 'personal' and user_id is not null and organization_id is null and repository_id is null))
);
--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_organization_id_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_updated_by_id_user_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_organization_uidx" ON "secrets" USING btree ("organization_id","name") WHERE scope = 'organization';--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_repository_uidx" ON "secrets" USING btree ("repository_id","name") WHERE scope = 'repository';--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_personal_uidx" ON "secrets" USING btree ("user_id","name") WHERE scope = 'personal';--> statement-breakpoint
CREATE INDEX "secrets_key_idx" ON "secrets" USING btree ("key_id");