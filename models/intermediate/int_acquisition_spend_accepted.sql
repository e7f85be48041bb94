-- Accepted acquisition spend rows: the rows of int_acquisition_spend_checked
-- that break nothing (rejection_reasons is NULL), typed columns only. Grain:
-- one row per accepted input row (no key: rows of a month and channel add
-- up). mart_unit_economics sums them per month. The rejected rows are in
-- int_acquisition_spend_rejected. A view: a filter and a projection of that
-- table, nothing recomputed; the rule lives in the checked model only.
{{ config(materialized='view') }}

with

accepted as (

    select * from {{ ref('int_acquisition_spend_checked') }}
    where rejection_reasons is null

),

final as (

    select
        acquisition_channel,
        amount,
        spend_month
    from accepted

)

select * from final
