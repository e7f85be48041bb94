-- The one FX lookup: for every currency and invoice date that lines carry,
-- the latest accepted rate of that currency on or before that date
-- (billing-contract.md, fx_rates). The reporting currency is always 1.
with

line_items as (

    select * from {{ ref('stg_billing__invoice_line_items') }}

),

rates as (

    {{ accepted('fx_rates') }}

),

needed as (

    select distinct
        currency,
        invoice_date
    from line_items
    where currency is not null and invoice_date is not null

),

candidates as (

    select
        needed.currency,
        needed.invoice_date,
        rates.rate_date,
        rates.rate_to_reporting,
        row_number() over (
            partition by needed.currency, needed.invoice_date
            order by rates.rate_date desc
        ) as recency
    from needed
    inner join rates
        on
            needed.currency = rates.currency
            and needed.invoice_date >= rates.rate_date

),

foreign_currency as (

    select
        currency,
        invoice_date,
        rate_date,
        rate_to_reporting
    from candidates
    where recency = 1

),

reporting_currency as (

    select
        currency,
        invoice_date,
        invoice_date as rate_date,
        cast(1 as {{ type_rate() }}) as rate_to_reporting
    from needed
    where currency = {{ reporting_currency() }}

),

final as (

    select * from foreign_currency
    union all
    select * from reporting_currency

)

select * from final
