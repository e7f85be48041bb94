-- Accepted accounts: the rows of int_accounts_checked that break nothing
-- (rejection_reasons is NULL), typed columns only. Grain: one row per
-- account_id. Every later model joins to these accounts. The rejected rows
-- are in int_accounts_rejected. A view: a filter and a projection of that
-- table, nothing recomputed; the rule lives in the checked model only.
{{ config(materialized='view') }}

with

accepted as (

    select * from {{ ref('int_accounts_checked') }}
    where rejection_reasons is null

),

final as (

    select
        account_id,
        account_name,
        country_code,
        industry,
        acquisition_channel,
        employee_count,
        is_test,
        created_at
    from accepted

)

select * from final
