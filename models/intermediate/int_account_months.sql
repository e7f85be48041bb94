-- One row per account and month with an MRR contribution: its MRR and gross
-- MRR rounded to 6 places (metrics.md section 3), its user count (section
-- 4) and its plan tier (section 8).
with

revenue as (

    select * from {{ ref('int_revenue_line_months') }}
    where is_mrr_contribution

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

users as (

    {{ accepted('users') }}

),

plans as (

    {{ accepted('plans') }}

),

account_mrr as (

    select
        account_id,
        month,
        -- The rounded value is the one counted, compared and summed.
        cast(
            round(sum(mrr_amount), 6) as {{ type_money_rounded() }}
        ) as mrr,
        cast(
            round(sum(gross_mrr_amount), 6) as {{ type_money_rounded() }}
        ) as gross_mrr
    from revenue
    group by 1, 2

),

plan_mrr as (

    select
        revenue.account_id,
        revenue.month,
        -- Per plan id of the lines: each unknown plan is a plan of its own,
        -- lines without a plan one group; both have tier unknown.
        revenue.plan_id,
        plans.tier_rank,
        coalesce(plans.tier, 'unknown') as plan_tier,
        -- Rounded as account MRR is (section 3), so that a tie is a tie.
        round(sum(revenue.mrr_amount), 6) as plan_mrr
    from revenue
    left join plans
        on revenue.plan_id = plans.plan_id
    group by 1, 2, 3, 4, 5

),

-- The plan with the largest contribution; ties go to the higher tier_rank
-- (a missing rank lowest), then to the lower plan_id.
ranked_plans as (

    select
        *,
        row_number() over (
            partition by account_id, month
            order by
                plan_mrr desc,
                case when tier_rank is null then 1 else 0 end asc,
                tier_rank desc,
                plan_id asc nulls last
        ) as plan_order
    from plan_mrr

),

-- Users active at a month's snapshot (metrics.md section 4): created on or
-- before it, not deactivated on or before it. Counted as a running sum of
-- +1 in the month a user is created and -1 in the month they leave, rather
-- than by joining every user to every month: the same count, without a
-- join of users x months. A month's snapshot is its last day, so a date
-- counts from its own month on, except in the as-of month, whose snapshot
-- is the as-of date: a date after it changes no reported month. A user
-- deactivated on or before the day they were created is never active.
user_dates as (

    select
        account_id,
        cast(created_at as date) as created_date,
        cast(deactivated_at as date) as deactivated_date
    from users

),

-- The as-of date: the last month's snapshot.
as_of as (

    select max(snapshot_date) as as_of_date from months

),

user_changes as (

    select
        user_dates.account_id,
        {{ month_of('user_dates.created_date') }} as month,
        1 as user_delta
    from user_dates
    cross join as_of
    where
        user_dates.created_date <= as_of.as_of_date
        and (
            user_dates.deactivated_date is null
            or user_dates.deactivated_date > user_dates.created_date
        )

    union all

    select
        user_dates.account_id,
        {{ month_of('user_dates.deactivated_date') }} as month,
        -1 as user_delta
    from user_dates
    cross join as_of
    where
        user_dates.deactivated_date <= as_of.as_of_date
        and user_dates.deactivated_date > user_dates.created_date

),

-- Each account's user changes and its MRR months on one timeline; a
-- month's changes come before its MRR row, so they count in it.
timeline as (

    select
        account_id,
        month,
        sum(user_delta) as user_delta,
        0 as is_mrr_month
    from user_changes
    group by 1, 2

    union all

    select
        account_id,
        month,
        0 as user_delta,
        1 as is_mrr_month
    from account_mrr

),

running_users as (

    select
        account_id,
        month,
        is_mrr_month,
        sum(user_delta) over (
            partition by account_id
            order by month, is_mrr_month
            rows between unbounded preceding and current row
        ) as active_users
    from timeline

),

active_users as (

    select
        account_id,
        month,
        cast(active_users as {{ dbt.type_bigint() }}) as active_users
    from running_users
    where is_mrr_month = 1

),

final as (

    select
        account_mrr.account_id,
        account_mrr.month,
        account_mrr.mrr,
        account_mrr.gross_mrr,
        account_mrr.mrr > 0 as is_paying,
        active_users.active_users,
        -- An account without active users counts as one user.
        greatest(active_users.active_users, 1) as user_count,
        ranked_plans.plan_id as top_plan_id,
        ranked_plans.plan_tier
    from account_mrr
    inner join active_users
        on
            account_mrr.account_id = active_users.account_id
            and account_mrr.month = active_users.month
    inner join ranked_plans
        on
            account_mrr.account_id = ranked_plans.account_id
            and account_mrr.month = ranked_plans.month
            and ranked_plans.plan_order = 1

)

select * from final
