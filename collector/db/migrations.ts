// Migrations, run at start on both dialects. Append only: a released migration never changes.
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely'
import type { Dialect } from './index'

export const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '2026-11-22-001-ingest': {
    async up(db: Kysely<any>) {
      // The state tables are looked up and upserted by their primary key only: on SQLite, store
      // them in it (WITHOUT ROWID) rather than in a rowid table plus a key index (~10% less CPU).
      const keyed = <T extends string>(table: CreateTableBuilder<T>) => (dialect == 'sqlite' ? table.modifyEnd(sql`without rowid`) : table)
      await db.schema
        .createTable('events')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('event', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('group_id', 'text')
        .addColumn('session_id', 'text')
        .addColumn('event_time', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('original_time', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('events_pk', ['project_id', 'message_id'])
        .execute()
      await db.schema.createIndex('events_time').on('events').columns(['project_id', 'event_time']).execute()
      await db.schema.createIndex('events_actor').on('events').columns(['project_id', 'actor']).execute()

      await keyed(
        db.schema
          .createTable('actors')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('first_time', 'bigint', (c) => c.notNull())
          .addColumn('last_time', 'bigint', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('link_time', 'bigint')
          .addColumn('link_seq', 'bigint')
          .addPrimaryKeyConstraint('actors_pk', ['project_id', 'actor'])
        ).execute()
      await db.schema.createIndex('actors_user').on('actors').columns(['project_id', 'user_id']).execute()

      await keyed(
        db.schema
          .createTable('firsts')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('firsts_pk', ['project_id', 'actor', 'key'])
        ).execute()

      await keyed(
        db.schema
          .createTable('traits')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('traits_pk', ['project_id', 'kind', 'subject', 'key'])
        ).execute()

      await keyed(
        db.schema
          .createTable('memberships')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('group_id', 'text', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('memberships_pk', ['project_id', 'actor'])
        ).execute()

      await keyed(
        db.schema
          .createTable('sessions')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('start_time', 'bigint', (c) => c.notNull())
          .addColumn('end_time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('sessions_pk', ['project_id', 'session_id'])
        ).execute()

      await db.schema
        .createTable('quarantine')
        .addColumn('id', dialect == 'postgres' ? 'bigserial' : 'integer', (c) => (dialect == 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('quarantine_project').on('quarantine').columns(['project_id', 'id']).execute()
    },
  },
})
