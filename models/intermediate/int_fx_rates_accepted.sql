-- Accepted FX rates: the rows of int_fx_rates_checked that break nothing
-- (rejection_reasons is NULL), typed columns only. Grain: one row per
-- currency and rate_date. int_fx_rates_by_invoice_date looks rates up here.
-- The rejected rows are in int_fx_rates_rejected. A view: a filter and a
-- projection of that table, nothing recomputed; the rule lives in the
-- checked model only.
{{ config(materialized='view') }}

with

accepted as (

    select * from {{ ref('int_fx_rates_checked') }}
    where rejection_reasons is null

),

final as (

    select
        currency,
        rate_to_reporting,
        rate_date
    from accepted

)

select * from final
