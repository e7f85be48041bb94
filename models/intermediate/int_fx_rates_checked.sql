-- Every staged FX rate row but the reporting currency's, with its verdict:
-- typed values, original text and rejection_reasons (NULL = accepted).
-- Grain: one row per remaining row of stg_billing__fx_rates. The one place
-- rates are judged: later models read it through the accepted() and
-- rejected() macros (macros/contract/quarantine.sql).
with

fx_rates as (

    select * from {{ ref('stg_billing__fx_rates') }}

),

-- The contract: rows for the reporting currency are ignored, unchecked,
-- because its rate is always 1.
foreign_rates as (

    select * from fx_rates
    where
        currency is null
        or currency != {{ reporting_currency() }}

),

keyed as (

    select
        *,
        count(*) over (partition by currency, rate_date) as rows_with_key
    from foreign_rates

),

checked as (

    select
        *,
        {{ finish_reasons(reason_codes(
            [('currency is not null and rate_date is not null'
              ~ ' and rows_with_key > 1', 'duplicate_rate')],
            carried='row_reasons')) }} as rejection_reasons
    from keyed

),

final as (

    select
        currency,
        rate_to_reporting,
        rate_date,
        rate_to_reporting_raw,
        rate_date_raw,
        rejection_reasons
    from checked

)

select * from final
