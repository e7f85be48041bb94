-- Every staged invoice line with its verdict and FX rate: typed values,
-- original text and rejection_reasons (NULL = accepted). Grain: one row per
-- row of stg_billing__invoice_line_items. The one place lines are judged:
-- a table, so that the models that read its accepted or rejected rows
-- (macros/contract/quarantine.sql) never evaluate a strict cast or a reason
-- again over the biggest input.
--
-- Incremental (docs/incremental.md): a run judges again only the line keys
-- whose rows differ from those judged before (a row new, changed, copied or
-- gone, told by source_fingerprint, whatever updated_at says), and the
-- lines whose verdict or rate rests on an account or a rate that has
-- changed since; it casts only their rows. All rows of such a key are
-- judged together, so a new copy of an old key rejects both; a key with no
-- row left only deletes.
-- On Spark (plain Parquet: no delete) it is a table, rebuilt every run.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='replace_keys',
    unique_key='line_key',
    key_only_when_null='source_fingerprint',
    meta={'computed_in': 'checked_in_invocation'},
    on_schema_change='fail',
) }}

with

-- The staged text of every row, before any cast, with the key it is
-- judged under: what a verdict is judged from.
staged_rows as (

    select
        {{ line_key() }} as line_key,
        {{ staged_text_columns('invoice_line_items') | join(',\n        ') }},
        source_fingerprint
    from {{ ref('stg_billing__invoice_line_items') }}

),

accepted_accounts as (

    {{ accepted('accounts', 'account_id') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_by_invoice_date') }}

),

{% if is_incremental() %}

-- Each staged row's key and fingerprint as read: all that a run compares
-- (read apart from the staged text, which only the rows judged need).
staged_fingerprints as (

    select
        {{ line_key() }} as line_key,
        source_fingerprint
    from {{ ref('stg_billing__invoice_line_items') }}

),

-- The line keys whose rows are not the rows judged before: new, changed,
-- copied or gone, as multisets of fingerprints
-- (macros/incremental/incremental.sql).
{{ changed_keys_ctes('staged_fingerprints', 'line_key') }}

-- Accounts that have arrived or gone since lines were judged by them: one
-- row per account the stored lines name, not per line.
{{ stale_accounts_ctes('accepted_accounts') }}

-- Rates that have arrived, gone or changed since lines were converted at
-- them: one row per currency and invoice date, not per line.
judged_rates as (

    select
        currency,
        invoice_date,
        rate_to_reporting
    from {{ this }} as previous
    where currency is not null and invoice_date is not null
    group by 1, 2, 3

),

stale_rates as (

    select
        judged_rates.currency,
        judged_rates.invoice_date
    from judged_rates
    left join fx_rates
        on
            judged_rates.currency = fx_rates.currency
            and judged_rates.invoice_date = fx_rates.invoice_date
    where
        judged_rates.rate_to_reporting
        is distinct from fx_rates.rate_to_reporting

),

stale_verdicts as (

    select previous.line_key
    from {{ this }} as previous
    where previous.account_id in (
        select stale_accounts.account_id from stale_accounts
    )

    union

    select previous.line_key
    from {{ this }} as previous
    inner join stale_rates
        on
            previous.currency = stale_rates.currency
            and previous.invoice_date = stale_rates.invoice_date

),

keys_to_judge as (

    select line_key from changed_keys
    union
    select line_key from stale_verdicts

),

-- The rows to judge, with their key. A key with no row left comes once with
-- every other column NULL (source_fingerprint too): the replace_keys
-- strategy deletes its old rows and inserts none.
to_judge_text as (

    select
        keys_to_judge.line_key as judged_key,
        staged_rows.*
    from keys_to_judge
    left join staged_rows
        on keys_to_judge.line_key = staged_rows.line_key

),

{% else %}

    -- A full build judges every row.
    to_judge_text as (

        select
            line_key as judged_key,
            *
        from staged_rows

    ),

{% endif %}

-- Cast only now, and only the rows to judge: each contract column once
-- (macro contract_casts), then typed (macros/contract/typed_rows.sql).
to_judge_casts as (

    select
        *,
        {{ contract_casts('invoice_line_items') }}
    from to_judge_text

),

to_judge as (

    {{ typed_invoice_line_items(
        'to_judge_casts',
        carry=['judged_key as line_key']) }}

),

keyed as (

    select
        to_judge.*,
        accepted_accounts.account_id is not null as has_accepted_account,
        fx_rates.rate_to_reporting,
        count(*) over (
            partition by to_judge.line_item_id
        ) as rows_with_key
    from to_judge
    left join accepted_accounts
        on to_judge.account_id = accepted_accounts.account_id
    left join fx_rates
        on
            to_judge.currency = fx_rates.currency
            and to_judge.invoice_date = fx_rates.invoice_date

),

checked as (

    select
        *,
        {{ finish_reasons(reason_codes([
            ('line_item_id is not null and rows_with_key > 1',
             'duplicate_line_item_id'),
            ('account_id is not null and not has_accepted_account',
             'unknown_account_id'),
            ('currency is not null and invoice_date is not null'
             ~ ' and rate_to_reporting is null', 'no_fx_rate'),
        ], carried='row_reasons')) }} as rejection_reasons
    from keyed

),

final as (

    select
        line_key,
        line_item_id,
        invoice_id,
        account_id,
        subscription_id,
        plan_id,
        charge_type,
        currency,
        invoice_status,
        amount,
        discount_amount,
        quantity,
        is_committed,
        is_recurring,
        period_start,
        period_end,
        invoice_date,
        updated_at,
        rate_to_reporting,
        -- Original text only where the audit reads it, on rejected rows:
        -- accepted rows have their typed values, and their text too would
        -- double the size of the biggest table.
        case
            when rejection_reasons is not null then amount_raw
        end as amount_raw,
        case
            when rejection_reasons is not null then discount_amount_raw
        end as discount_amount_raw,
        case
            when rejection_reasons is not null then quantity_raw
        end as quantity_raw,
        case
            when rejection_reasons is not null then is_committed_raw
        end as is_committed_raw,
        case
            when rejection_reasons is not null then period_start_raw
        end as period_start_raw,
        case
            when rejection_reasons is not null then period_end_raw
        end as period_end_raw,
        case
            when rejection_reasons is not null then invoice_date_raw
        end as invoice_date_raw,
        case
            when rejection_reasons is not null then updated_at_raw
        end as updated_at_raw,
        has_accepted_account,
        row_reasons,
        rejection_reasons,
        source_fingerprint,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
            as checked_in_invocation
    from checked

)

select * from final
