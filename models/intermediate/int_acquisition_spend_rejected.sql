-- Rejected acquisition spend rows: the rows of int_acquisition_spend_checked
-- that break the contract, with their original values as text (trimmed;
-- typed columns as <column>_raw) and every reason they fail. Grain: one row
-- per rejected input row (the table has no key). They reach no metric;
-- marts/audit lists them. A view: a filter of the checked table,
-- nothing recomputed.
{{ config(materialized='view') }}

with

rejected as (

    select * from {{ ref('int_acquisition_spend_checked') }}
    where rejection_reasons is not null

),

final as (

    select
        acquisition_channel,
        amount_raw,
        spend_month_raw,
        rejection_reasons
    from rejected

)

select * from final
