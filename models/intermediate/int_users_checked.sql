-- Every staged user row with its verdict: typed values, original text and
-- rejection_reasons (NULL = accepted). Grain: one row per row of
-- stg_billing__users. The one place users are judged: later models read it
-- through the accepted() and rejected() macros
-- (macros/contract/quarantine.sql).
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

-- The staged text of every row, before any cast, with the key it is
-- judged under (rows without a user_id share the key ''): what a verdict
-- is judged from.
staged_rows as (

    select
        coalesce(user_id, '') as user_key,
        {{ staged_text_columns('users') | join(',\n        ') }},
        source_fingerprint
    from {{ ref('stg_billing__users') }}

),

accepted_accounts as (

    {{ accepted('accounts', 'account_id') }}

),

{% if is_incremental() %}

-- Each staged row's key and fingerprint as read: all that a run compares
-- (read apart from the staged text, which only the rows judged need).
staged_fingerprints as (

    select
        coalesce(user_id, '') as user_key,
        source_fingerprint
    from {{ ref('stg_billing__users') }}

),

-- The user keys whose rows are not the rows judged before: new, changed,
-- copied or gone, as multisets of fingerprints
-- (macros/incremental/incremental.sql).
{{ changed_keys_ctes('staged_fingerprints', 'user_key') }}

-- Accounts that have arrived or gone since users were judged by them.
{{ stale_accounts_ctes('accepted_accounts') }}

keys_to_judge as (

    select user_key from changed_keys

    union

    select previous.user_key
    from {{ this }} as previous
    where previous.account_id in (
        select stale_accounts.account_id from stale_accounts
    )

),

-- The rows to judge, with their key; a key with no row left comes once
-- with every other column NULL, and only deletes.
to_judge_text as (

    select
        keys_to_judge.user_key as judged_key,
        staged_rows.*
    from keys_to_judge
    left join staged_rows
        on keys_to_judge.user_key = staged_rows.user_key

),

{% else %}

    -- A full build judges every row.
    to_judge_text as (

        select
            user_key as judged_key,
            *
        from staged_rows

    ),

{% endif %}

-- Cast only now, and only the rows to judge: each contract column once
-- (macro contract_casts), then typed (macros/contract/typed_rows.sql).
to_judge_casts as (

    select
        *,
        {{ contract_casts('users') }}
    from to_judge_text

),

users as (

    {{ typed_users(
        'to_judge_casts',
        carry=['judged_key as user_key']) }}

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
