-- Every staged user row with its verdict: typed values, original text and
-- rejection_reasons (NULL = accepted). Grain: one row per row of
-- stg_billing__users. The one place users are judged: later models read it
-- through the accepted() and rejected() macros (macros/quarantine.sql).
--
-- Incremental (docs/incremental.md), as int_invoice_line_items_checked is:
-- a run judges again only the user keys whose rows differ from those
-- judged before (told by source_fingerprint), and the users of an account
-- that has arrived or gone since; it casts only their rows. All rows of a
-- key are judged together; a key with no row left only deletes.
-- On Spark (plain Parquet: no delete) it is a table, rebuilt every run.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='replace_keys',
    unique_key='user_key',
    key_only_when_null='source_fingerprint',
    meta={'computed_in': 'checked_in_invocation'},
    on_schema_change='fail',
) }}

with

-- The staged text of every row, before any cast: what a verdict is judged
-- from, fingerprinted, and the key it is judged under (rows without a
-- user_id share the key '').
staged_text as (

    select
        {{ staged_text_columns('users') | join(',\n        ') }}
    from {{ ref('stg_billing__users') }}

),

fingerprinted as (

    select
        *,
        coalesce(user_id, '') as user_key,
        {{ row_fingerprint(staged_text_columns('users')) }}
            as source_fingerprint
    from staged_text

),

accepted_accounts as (

    {{ accepted('accounts', 'account_id') }}

),

{% if is_incremental() %}

previous as (

    select * from {{ this }}

),

-- User keys whose rows are not the rows judged before; a key of several
-- rows is judged again whenever it is seen.
staged_keys as (

    select
        user_key,
        count(*) as row_count,
        min(source_fingerprint) as source_fingerprint
    from fingerprinted
    group by 1

),

previous_keys as (

    select
        user_key,
        count(*) as row_count,
        min(source_fingerprint) as source_fingerprint
    from previous
    group by 1

),

changed_keys as (

    select
        coalesce(staged_keys.user_key, previous_keys.user_key) as user_key
    from staged_keys
    full outer join previous_keys
        on staged_keys.user_key = previous_keys.user_key
    where
        staged_keys.user_key is null
        or previous_keys.user_key is null
        or staged_keys.row_count > 1
        or previous_keys.row_count > 1
        or staged_keys.source_fingerprint != previous_keys.source_fingerprint

),

-- Accounts that have arrived or gone since users were judged by them.
judged_accounts as (

    select
        account_id,
        has_accepted_account
    from previous
    where account_id is not null
    group by 1, 2

),

stale_accounts as (

    select judged_accounts.account_id
    from judged_accounts
    left join accepted_accounts
        on judged_accounts.account_id = accepted_accounts.account_id
    where
        judged_accounts.has_accepted_account
        != (accepted_accounts.account_id is not null)

),

keys_to_judge as (

    select user_key from changed_keys

    union

    select previous.user_key
    from previous
    where previous.account_id in (
        select stale_accounts.account_id from stale_accounts
    )

),

-- The rows to judge, with their key; a key with no row left comes once
-- with every other column NULL, and only deletes.
to_judge_text as (

    select
        keys_to_judge.user_key as judged_key,
        fingerprinted.*
    from keys_to_judge
    left join fingerprinted
        on keys_to_judge.user_key = fingerprinted.user_key

),

{% else %}

    -- A full build judges every row.
    to_judge_text as (

        select
            user_key as judged_key,
            *
        from fingerprinted

    ),

{% endif %}

-- Cast only now, and only the rows to judge (macros/typed_rows.sql).
users as (

    {{ typed_users(
        'to_judge_text',
        carry=['judged_key as user_key', 'source_fingerprint']) }}

),

keyed as (

    select
        users.*,
        accepted_accounts.account_id is not null as has_accepted_account,
        count(*) over (partition by users.user_id) as rows_with_key
    from users
    left join accepted_accounts
        on users.account_id = accepted_accounts.account_id

),

checked as (

    select
        *,
        {{ finish_reasons(reason_codes([
            ('user_id is not null and rows_with_key > 1',
             'duplicate_user_id'),
            ('account_id is not null and not has_accepted_account',
             'unknown_account_id'),
        ], carried='row_reasons')) }} as rejection_reasons
    from keyed

),

final as (

    select
        user_key,
        user_id,
        account_id,
        created_at,
        deactivated_at,
        -- Original text only on rejected rows, where the audit reads it.
        case
            when rejection_reasons is not null then created_at_raw
        end as created_at_raw,
        case
            when rejection_reasons is not null then deactivated_at_raw
        end as deactivated_at_raw,
        has_accepted_account,
        row_reasons,
        rejection_reasons,
        source_fingerprint,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
            as checked_in_invocation
    from checked

)

select * from final
