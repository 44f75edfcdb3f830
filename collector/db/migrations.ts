// Migrations, run at start on both dialects. Append only: a released migration never changes.
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely'
import type { Dialect } from './index'
import { eventHour, namedEvents } from './ingest'
import { foldPersons, mergeTraits } from './people'
import type { Tables } from './schema'

// The state tables are looked up and upserted by their primary key only: on SQLite, store
// them in it (WITHOUT ROWID) rather than in a rowid table plus a key index (~10% less CPU).
const keyed = <T extends string>(table: CreateTableBuilder<T>, dialect: Dialect) => (dialect == 'sqlite' ? table.modifyEnd(sql`without rowid`) : table)

export const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '2026-11-22-001-ingest': {
    async up(db: Kysely<any>) {
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
          .addPrimaryKeyConstraint('actors_pk', ['project_id', 'actor']),
        dialect,
      ).execute()
      await db.schema.createIndex('actors_user').on('actors').columns(['project_id', 'user_id']).execute()

      await keyed(
        db.schema
          .createTable('firsts')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('firsts_pk', ['project_id', 'actor', 'key']),
        dialect,
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
          .addPrimaryKeyConstraint('traits_pk', ['project_id', 'kind', 'subject', 'key']),
        dialect,
      ).execute()

      await keyed(
        db.schema
          .createTable('memberships')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('group_id', 'text', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('memberships_pk', ['project_id', 'actor']),
        dialect,
      ).execute()

      await keyed(
        db.schema
          .createTable('sessions')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('start_time', 'bigint', (c) => c.notNull())
          .addColumn('end_time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('sessions_pk', ['project_id', 'session_id']),
        dialect,
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
  '2026-11-23-002-metrics': {
    async up(db: Kysely<any>) {
      await keyed(
        db.schema
          .createTable('activity')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('day', 'integer', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('first_time', 'bigint', (c) => c.notNull())
          .addColumn('last_time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('activity_pk', ['project_id', 'key', 'day', 'actor']),
        dialect,
      ).execute()
      // the value event's firsts are read by key, as are traits; survey answers, engagement and the survey
      // funnel by event name; sessions by start (covering: no lookup into the table per session)
      await db.schema.createIndex('firsts_key').on('firsts').columns(['project_id', 'key', 'actor', 'time']).execute()
      // segments and signup times read one trait key across persons
      await db.schema.createIndex('traits_key').on('traits').columns(['project_id', 'key']).execute()
      await db.schema.createIndex('events_event').on('events').columns(['project_id', 'event', 'event_time']).execute()
      await db.schema.createIndex('sessions_start').on('sessions').columns(['project_id', 'start_time', 'actor', 'end_time']).execute()

      // The alert outbox: one row per alert and webhook, claimed by one collector at a time.
      await db.schema
        .createTable('alerts')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('cause', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('sent_at', 'bigint')
        .addPrimaryKeyConstraint('alerts_pk', ['project_id', 'cause', 'subject', 'url'])
        .execute()
      await db.schema.createIndex('alerts_due').on('alerts').columns(['status', 'next_attempt_at']).execute()

      // What the periodic alert check saw last per subject: a band that *falls* needs the one before.
      await keyed(
        db.schema
          .createTable('health_state')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('band', 'text', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('health_state_pk', ['project_id', 'subject']),
        dialect,
      ).execute()

      // Persons: each actor names its own (kept with its link), and each person's state is kept
      await db.schema.alterTable('actors').addColumn('person', 'text').execute()
      await sql`update actors set person = case when user_id is null then actor else 'u:' || user_id end`.execute(db)
      await db.schema.createIndex('actors_person').on('actors').columns(['project_id', 'person']).execute()
      await keyed(
        db.schema
          .createTable('persons')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('person', 'text', (c) => c.notNull())
          .addColumn('first_time', 'bigint', (c) => c.notNull())
          .addColumn('created_ms', 'bigint')
          .addColumn('created_time', 'bigint')
          .addColumn('created_seq', 'bigint')
          .addColumn('signup_time', 'bigint', (c) => c.notNull())
          .addColumn('account', 'text')
          .addColumn('account_time', 'bigint')
          .addColumn('account_seq', 'bigint')
          .addPrimaryKeyConstraint('persons_pk', ['project_id', 'person']),
        dialect,
      ).execute()
      await db.schema.createIndex('persons_signup').on('persons').columns(['project_id', 'signup_time']).execute()
      await db.schema.createIndex('persons_first').on('persons').columns(['project_id', 'first_time']).execute()
      await backfillPersons(db)

      // Backfill the activity of events stored before this migration.
      const day = sql`event_time / 86400000`
      const json = (path: string) => (dialect == 'sqlite' ? sql`json_extract(message, ${'$.properties.' + path})` : sql`(message::json->'properties'->>${path})`)
      for (const [key, where] of [
        [sql`''`, sql`true`],
        [sql`'e:' || event`, sql`type = 'track'`],
        [sql`'s:' || ${json('step')}`, sql`event = '$step'`],
        [sql`'f:' || ${json('feature')}`, sql`event = '$feature'`],
      ])
        await sql`insert into activity (project_id, key, day, actor, first_time, last_time)
          select project_id, ${key}, ${day}, actor, min(event_time), max(event_time) from events where ${where}
          group by 1, 2, 3, 4`.execute(db)
    },
  },

  '2026-11-23-003-actor-previous-person': {
    // The person an actor had before the write that last upserted it, set by that upsert under its row
    // lock and returned by it: what a re-link moved the actor from, which a read before the upsert could
    // get wrong when another collector re-linked the same actor in between (db/ingest.ts).
    async up(db) {
      await db.schema.alterTable('actors').addColumn('prev_person', 'text').execute()
    },
  },

  '2026-11-23-004-activity-person': {
    // Activity names its actor's person, so that metrics count persons without looking each actor up
    // (a re-link moves the actor's rows: index activity_actor), and keeps the survey funnel's stages.
    async up(db) {
      await db.schema.alterTable('activity').addColumn('person', 'text').execute()
      await sql`update activity set person = (select a.person from actors a where a.project_id = activity.project_id and a.actor = activity.actor)`.execute(db)
      await db.schema.createIndex('activity_actor').on('activity').columns(['project_id', 'actor']).execute()
      const survey = dialect == 'sqlite' ? sql`json_extract(e.message, '$.properties.surveyId')` : sql`(e.message::json->'properties'->>'surveyId')`
      await sql`insert into activity (project_id, key, day, actor, person, first_time, last_time)
        select e.project_id, 'v:' || e.event || ':' || ${survey}, e.event_time / 86400000, e.actor, a.person, min(e.event_time), max(e.event_time)
        from events e join actors a on a.project_id = e.project_id and a.actor = e.actor
        where e.event in ('$survey_shown', '$survey_dismissed', '$survey_response')
        group by 1, 2, 3, 4, 5`.execute(db)
    },
  },

  '2026-11-23-005-sessions-person-engaged-time': {
    // Sessions name their actor's person too (moved by a re-link: index sessions_actor), covered by
    // sessions_start; activity sums the engaged time of its $engagement events, so that a window's whole
    // days are summed without reading the events.
    async up(db) {
      await db.schema.alterTable('sessions').addColumn('person', 'text').execute()
      await sql`update sessions set person = (select a.person from actors a where a.project_id = sessions.project_id and a.actor = sessions.actor)`.execute(db)
      await db.schema.dropIndex('sessions_start').execute()
      await db.schema.createIndex('sessions_start').on('sessions').columns(['project_id', 'start_time', 'person', 'end_time']).execute()
      await db.schema.createIndex('sessions_actor').on('sessions').columns(['project_id', 'actor']).execute()
      await db.schema.alterTable('activity').addColumn('engaged_ms', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
      const ms = dialect == 'sqlite' ? sql`json_extract(message, '$.properties.engagedMs')` : sql`(message::json->'properties'->>'engagedMs')::bigint`
      await sql`update activity set engaged_ms = s.ms
        from (select project_id, actor, event_time / 86400000 as day, sum(${ms}) as ms from events where event = '$engagement' group by 1, 2, 3) s
        where activity.project_id = s.project_id and activity.actor = s.actor and activity.day = s.day and activity.key in ('', 'e:$engagement')`.execute(db)
    },
  },

  '2026-11-23-006-firsts-person-action': {
    // Firsts name their actor's person too, read per person (firsts_person, which replaces firsts_key),
    // and keep each actor's first action, so that a signup cohort's firsts are a lookup per person.
    async up(db) {
      await db.schema.alterTable('firsts').addColumn('person', 'text').execute()
      await sql`update firsts set person = (select a.person from actors a where a.project_id = firsts.project_id and a.actor = firsts.actor)`.execute(db)
      await sql`insert into firsts (project_id, actor, key, time, person)
        select project_id, actor, 'action', min(time), max(person) from firsts
        where key not in ('t:page', 'e:$engagement', 'e:$survey_shown', 'e:$survey_dismissed', 'e:$survey_response')
        group by project_id, actor`.execute(db)
      await db.schema.dropIndex('firsts_key').execute()
      await db.schema.createIndex('firsts_person').on('firsts').columns(['project_id', 'person', 'key', 'time']).execute()
    },
  },

  '2026-11-23-007-activity-key-bytes': {
    // Keys are identifiers, compared byte by byte, so that the keys of a prefix (`v:`, the survey stages)
    // are one range of the index. SQLite compares text so already; a PostgreSQL database's collation may
    // not (en_US ignores punctuation, and sorts 'v:...' after 'v;').
    async up(db) {
      if (dialect == 'postgres') await sql`alter table activity alter column key type text collate "C"`.execute(db)
    },
  },

  '2026-12-07-008-events-indexes-written-in-order': {
    // An index keyed by event time takes each new event somewhere in its last seconds, not at its end:
    // a batch spans seconds, and batches of many clients interleave. So a transaction dirtied a page of
    // events_time and of events_event per event, and SQLite wrote each to its WAL. In transactions of 20
    // events: 42 KB written per event with these two indexes, 15 KB without; 14,000 events stored a
    // second against 24,500 (bench/ingest.mjs). The retention sweep now finds events by hour: within an
    // hour, an index orders its entries by rowid (by heap position on PostgreSQL), which grows as events
    // arrive. Events are read by name only for surveys and the engaged time of partial days: a partial index.
    async up(db) {
      await db.schema.dropIndex('events_time').execute()
      await sql`create index events_hour on events (project_id, (${eventHour}))`.execute(db)
      await db.schema.dropIndex('events_event').execute()
      await sql`create index events_named on events (project_id, event, event_time) where ${namedEvents}`.execute(db)
    },
  },

  '2026-12-07-009-person-numbers': {
    // Each person gets a number, and firsts, activity and sessions name their person by it, not by its
    // text (`u:<userId>`, or an anonymous actor's id, often a UUID). Metrics look persons up and group
    // by them: at 1M events (bench/metrics.mjs), a cohort's firsts looked up by number took 47 ms against
    // 90 by text, the month's active persons grouped 15 against 29, its days' 28 against 45.
    // SQLite numbers a row by its rowid (persons becomes a rowid table keyed by pid, its text a unique
    // index); PostgreSQL by an identity column.
    async up(db) {
      if (dialect == 'sqlite') {
        await db.schema
          .createTable('persons_numbered')
          .addColumn('pid', 'integer', (c) => c.primaryKey())
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('person', 'text', (c) => c.notNull())
          .addColumn('first_time', 'bigint', (c) => c.notNull())
          .addColumn('created_ms', 'bigint')
          .addColumn('created_time', 'bigint')
          .addColumn('created_seq', 'bigint')
          .addColumn('signup_time', 'bigint', (c) => c.notNull())
          .addColumn('account', 'text')
          .addColumn('account_time', 'bigint')
          .addColumn('account_seq', 'bigint')
          .execute()
        await sql`insert into persons_numbered (project_id, person, first_time, created_ms, created_time, created_seq, signup_time, account, account_time, account_seq)
          select project_id, person, first_time, created_ms, created_time, created_seq, signup_time, account, account_time, account_seq from persons order by project_id, first_time`.execute(db)
        await db.schema.dropTable('persons').execute()
        await db.schema.alterTable('persons_numbered').renameTo('persons').execute()
        await db.schema.createIndex('persons_person').on('persons').columns(['project_id', 'person']).unique().execute()
        await db.schema.createIndex('persons_signup').on('persons').columns(['project_id', 'signup_time']).execute()
        await db.schema.createIndex('persons_first').on('persons').columns(['project_id', 'first_time']).execute()
      } else {
        await sql`alter table persons add column pid bigint generated by default as identity`.execute(db)
        await db.schema.createIndex('persons_pid').on('persons').column('pid').unique().execute()
      }
      for (const table of ['firsts', 'activity', 'sessions']) {
        await db.schema.alterTable(table).addColumn('pid', 'bigint').execute()
        await sql`update ${sql.table(table)} set pid = (select p.pid from persons p where p.project_id = ${sql.ref(`${table}.project_id`)} and p.person = ${sql.ref(`${table}.person`)})`.execute(db)
      }
      await db.schema.dropIndex('firsts_person').execute()
      await db.schema.dropIndex('sessions_start').execute()
      for (const table of ['firsts', 'activity', 'sessions']) await db.schema.alterTable(table).dropColumn('person').execute()
      await db.schema.createIndex('firsts_person').on('firsts').columns(['project_id', 'pid', 'key', 'time']).execute()
      await db.schema.createIndex('sessions_start').on('sessions').columns(['project_id', 'start_time', 'pid', 'end_time']).execute()
    },
  },

  '2026-12-07-010-traits-read-from-their-index': {
    // SQLite reads the traits of some keys from an index that holds their values (and, as it holds a
    // table's key, their subjects), not row by row from the table. At 1M events (bench/metrics.mjs),
    // health's 19,600 account traits: 16 ms through traits_key and the table, 3 from this index.
    // PostgreSQL keeps traits_key: a B-tree entry there holds at most ~2.7 KB, and a trait's value may be longer.
    async up(db) {
      if (dialect != 'sqlite') return
      await db.schema.dropIndex('traits_key').execute()
      await db.schema.createIndex('traits_value').on('traits').columns(['project_id', 'kind', 'key', 'value']).execute()
    },
  },

  '2026-12-07-011-persons-read-from-their-index': {
    // SQLite reads a project's persons seen before a time (pid, the rowid, and account) from persons_first
    // alone, whatever its statistics say. Those of `pragma optimize` (analysis_limit 1000) take any
    // project_id for a few rows, and SQLite looked each person up through the old index: at 1M events
    // (bench/metrics.mjs, a freshly loaded file), 38 ms, and 24 scanning the table; from this index 12.
    async up(db) {
      if (dialect != 'sqlite') return
      await db.schema.dropIndex('persons_first').execute()
      await db.schema.createIndex('persons_first').on('persons').columns(['project_id', 'first_time', 'account']).execute()
    },
  },

  '2026-12-07-012-person-traits': {
    // Each person's traits, merged across its actors at ingest, so that a segment reads a row per person
    // and key. Before, every metric asked with a segment joined the person traits of the key to actors and
    // persons: at 1M events (bench/metrics.mjs), 340-360 ms for `plan`'s 84,000 rows, 500-650 a route.
    async up(db) {
      await keyed(
        db.schema
          .createTable('person_traits')
          .addColumn('project_id', 'text', (c) => c.notNull())
          .addColumn('pid', 'bigint', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('person_traits_pk', ['project_id', 'pid', 'key']),
        dialect,
      ).execute()
      // SQLite reads a key's values and persons from this index alone (its entries hold the table's key);
      // a PostgreSQL B-tree entry holds at most ~2.7 KB, and a value may be longer
      const columns = dialect == 'sqlite' ? ['project_id', 'key', 'value'] : ['project_id', 'key']
      await db.schema.createIndex('person_traits_key').on('person_traits').columns(columns).execute()
      const persons = await db.selectFrom('persons').select(['project_id', 'pid']).execute()
      for (const project of new Set(persons.map((p) => p.project_id)))
        await mergeTraits(db, dialect, project, persons.filter((p) => p.project_id == project).map((p) => p.pid))
    },
  },

  '2026-12-07-013-firsts-read-by-key': {
    // A signup cohort's first times are read a key at a time, over its persons' range of numbers (numbers
    // follow first sight, and so, mostly, signup). At 1M events (bench/metrics.mjs, onboarding's 33,000
    // signups and 4 keys), 11 ms for 45,000 rows, where looking each person's keys up took 58.
    async up(db) {
      await db.schema.dropIndex('firsts_person').execute()
      await db.schema.createIndex('firsts_key').on('firsts').columns(['project_id', 'key', 'pid', 'time']).execute()
    },
  },

  '2026-12-07-014-postgres-reads-persons-from-indexes': {
    // PostgreSQL reads the persons of a month's activity, a day at a time, and of a signup cohort from the
    // index alone, as SQLite does (its activity is kept in its primary key, its persons' numbers are rowids):
    // the indexes carry the person's number. At 1M events (bench/metrics.mjs), a month's activity by day
    // took 86 ms through 3,800 table pages, 25 from the index alone; a signup window's persons 23 ms, 11.
    // The number only, which a write seldom changes, so that an activity row's update stays in its page
    // (HOT) and writes no new index entry.
    async up(db) {
      if (dialect != 'postgres') return
      await sql`create unique index activity_key on activity (project_id, key, day, actor) include (pid)`.execute(db)
      await sql`alter table activity drop constraint activity_pk, add constraint activity_pk primary key using index activity_key`.execute(db)
      await db.schema.dropIndex('persons_signup').execute()
      await sql`create index persons_signup on persons (project_id, signup_time) include (pid)`.execute(db)
    },
  },
})

/** The persons of actors stored before the persons table, folded as ingest folds them. */
async function backfillPersons(db: Kysely<any>) {
  const projects = await db.selectFrom('actors').select('project_id').distinct().execute()
  for (const { project_id: project } of projects) {
    const actors = await db.selectFrom('actors').select(['actor', 'person']).where('project_id', '=', project).execute()
    const persons = await foldPersons(db as Kysely<Tables>, project, new Map(actors.map((a: { actor: string; person: string }) => [a.actor, a.person])))
    for (let rows = [...persons.values()]; rows.length; rows = rows.slice(500)) await db.insertInto('persons').values(rows.slice(0, 500)).execute()
  }
}
