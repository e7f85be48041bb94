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
        or currency != '{{ var("reporting_currency") | upper }}'

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
        rejection_reasons,
        rejection_reasons is null as is_accepted
    from checked

)

select * from final
