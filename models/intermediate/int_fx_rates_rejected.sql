-- Rejected FX rates: the rows of int_fx_rates_checked that break the
-- contract, with their original values as text (trimmed; typed columns as
-- <column>_raw) and every reason they fail. Grain: one row per rejected
-- input row (every copy of a duplicated key). They reach no metric;
-- marts/audit lists them. A view: a filter of the checked table, nothing
-- recomputed.
{{ config(materialized='view') }}

with

rejected as (

    select * from {{ ref('int_fx_rates_checked') }}
    where rejection_reasons is not null

),

final as (

    select
        currency,
        rate_to_reporting_raw,
        rate_date_raw,
        rejection_reasons
    from rejected

)

select * from final
