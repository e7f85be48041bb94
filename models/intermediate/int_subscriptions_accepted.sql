-- Accepted subscriptions: the rows of int_subscriptions_checked that break
-- nothing (rejection_reasons is NULL), typed columns only. Grain: one row
-- per subscription_id. Subscriptions label accounts; they never make
-- revenue. The rejected rows are in int_subscriptions_rejected. A view: a
-- filter and a projection of that table, nothing recomputed; the rule lives
-- in the checked model only.
{{ config(materialized='view') }}

with

accepted as (

    select * from {{ ref('int_subscriptions_checked') }}
    where rejection_reasons is null

),

final as (

    select
        subscription_id,
        account_id,
        plan_id,
        started_at,
        trial_ends_at,
        ended_at
    from accepted

)

select * from final
