-- Accepted users: the rows of int_users_checked that break nothing
-- (rejection_reasons is NULL), typed columns only. Grain: one row per
-- user_id. int_account_months counts them per paying account. The rejected
-- rows are in int_users_rejected. A view: a filter and a projection of that
-- table, nothing recomputed; the rule lives in the checked model only.
{{ config(materialized='view') }}

with

accepted as (

    select * from {{ ref('int_users_checked') }}
    where rejection_reasons is null

),

final as (

    select
        user_id,
        account_id,
        created_at,
        deactivated_at
    from accepted

)

select * from final
