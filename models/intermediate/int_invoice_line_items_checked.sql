-- Every staged invoice line with its verdict and FX rate: typed values,
-- original text and rejection_reasons (NULL = accepted). Grain: one row per
-- row of stg_billing__invoice_line_items. The one place lines are judged:
-- a table, so that int_invoice_line_items_accepted and
-- int_invoice_line_items_rejected, views that only filter it by
-- rejection_reasons, never evaluate a strict cast or a reason again over
-- the biggest input.
--
-- Incremental (docs/incremental.md): a run judges again only the lines
-- whose key has a row updated since the last run (less the lookback), has
-- no updated_at, or whose verdict or rate rests on an account or a rate
-- that has changed since. All rows of such a key are judged together, so a
-- new copy of an old key rejects both.
-- On Spark (plain Parquet: no delete) it is a table, rebuilt every run.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='line_key',
    on_schema_change='fail',
) }}

with

line_items as (

    select
        *,
        -- Rows without a line_item_id (all rejected) share one key.
        coalesce(line_item_id, '') as line_key
    from {{ ref('stg_billing__invoice_line_items') }}

),

accepted_accounts as (

    select account_id from {{ ref('int_accounts_accepted') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_by_invoice_date') }}

),

{% if is_incremental() %}

previous as (

    select * from {{ this }}

),

-- Lines judged before by an account or a rate that has since arrived,
-- gone or changed.
stale_verdicts as (

    select previous.line_key
    from previous
    left join accepted_accounts
        on previous.account_id = accepted_accounts.account_id
    left join fx_rates
        on
            previous.currency = fx_rates.currency
            and previous.invoice_date = fx_rates.invoice_date
    where
        previous.has_accepted_account
        != (accepted_accounts.account_id is not null)
        or previous.rate_to_reporting
        is distinct from fx_rates.rate_to_reporting

),

-- Rows updated since the last run, less the lookback. A row without a
-- valid updated_at cannot say when it changed: it is judged on every run.
updated_keys as (

    select line_key
    from line_items
    where
        {{ strict_cast('updated_at_raw', 'timestamp') }} is null
        or updated_at >= {{ incremental_since(this) }}
        or {{ incremental_since(this) }} is null

),

keys_to_judge as (

    select line_key from updated_keys
    union
    select line_key from stale_verdicts

),

{% endif %}

to_judge as (

    select line_items.*
    from line_items
    {%- if is_incremental() %}
    where line_key in (select keys_to_judge.line_key from keys_to_judge)
    {%- endif %}

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
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
            as checked_in_invocation
    from checked

)

select * from final
