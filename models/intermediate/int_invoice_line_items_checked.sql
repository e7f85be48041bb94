-- Every staged invoice line with its verdict and FX rate: typed values,
-- original text and rejection_reasons (NULL = accepted). Grain: one row per
-- row of stg_billing__invoice_line_items. The one place lines are judged:
-- a table, so that int_invoice_line_items_accepted and
-- int_invoice_line_items_rejected, views that only filter it by
-- rejection_reasons, never evaluate a strict cast or a reason again over
-- the biggest input.
with

line_items as (

    select * from {{ ref('stg_billing__invoice_line_items') }}

),

accepted_accounts as (

    select account_id from {{ ref('int_accounts_accepted') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_by_invoice_date') }}

),

keyed as (

    select
        line_items.*,
        accepted_accounts.account_id is not null as has_accepted_account,
        fx_rates.rate_to_reporting,
        count(*) over (
            partition by line_items.line_item_id
        ) as rows_with_key
    from line_items
    left join accepted_accounts
        on line_items.account_id = accepted_accounts.account_id
    left join fx_rates
        on
            line_items.currency = fx_rates.currency
            and line_items.invoice_date = fx_rates.invoice_date

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
        amount_raw,
        discount_amount_raw,
        quantity_raw,
        is_committed_raw,
        period_start_raw,
        period_end_raw,
        invoice_date_raw,
        updated_at_raw,
        rejection_reasons
    from checked

)

select * from final
