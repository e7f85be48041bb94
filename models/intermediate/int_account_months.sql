-- The state of each account in each month, from which every mart reads
-- (metrics.md sections 3, 4, 8, 9 and 10): its MRR and gross MRR rounded to
-- 6 places, its users, its plan tier, its cohort and tenure, its segment
-- attributes, and its MRR the month before with the FX effect between the
-- two. Grain: one row per account and month in which one of its recurring
-- lines covers the month's snapshot (paying or not), or after a month in
-- which it paid (a churn: MRR 0).
--
-- Incremental (docs/incremental.md): a run recomputes every month of the
-- accounts whose inputs changed (the line digests of int_revenue_line_months,
-- their users, their attributes, or any plan), and every account in the
-- open months: the month of the as-of date the stored rows were computed
-- under, or of the revenue fact's if earlier, and any month after it.
-- On Spark (plain Parquet: no delete) it is a table, rebuilt every run.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='replace_keys',
    unique_key=['account_id', 'month'],
    key_only_when_null='input_digest',
    meta={
        'computed_in': 'computed_in_invocation',
        'published_as': 'dim_active_customers',
    },
    on_schema_change='append_new_columns',
) }}

with

revenue as (

    select * from {{ ref('int_revenue_line_months') }}

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

users as (

    {{ accepted('users', 'user_id, account_id, created_at, deactivated_at') }}

),

-- The same users, read apart for their digests: each of these big inputs
-- is read once per use, with the columns it needs, rather than copied
-- whole for several.
users_for_digests as (

    {{ accepted('users', 'user_id, account_id, created_at, deactivated_at') }}

),

plans as (

    {{ accepted('plans') }}

),

accounts as (

    {{ accepted('accounts') }}

),

size_bands as (

    select * from {{ ref('company_size_bands') }}

),

country_regions as (

    select * from {{ ref('country_regions') }}

),

-- The as-of date the revenue fact's open months were computed under.
revenue_as_of as (

    select max(as_of_date) as as_of_date
    from {{ ref('int_revenue_line_months') }}

),

-- Per account, a digest of everything its months are computed from (its
-- lines, as the fact's own digest of them, its users, its attributes, and
-- the plans, which any account's plan tier reads), and its attributes.
plans_digest as (

    select
        {{ digest(hash_values(['plan_id', 'tier', 'tier_rank'])) }}
            as plans_digest
    from plans

),

users_digests as (

    select
        account_id,
        {{ digest(hash_values(['user_id', 'created_at', 'deactivated_at'])) }}
            as users_digest
    from users_for_digests
    group by 1

),

-- Each line's digest as the fact stores it (the same on all its rows),
-- then per account.
revenue_line_digests as (

    select
        account_id,
        line_item_id,
        min(line_digest) as line_digest
    from {{ ref('int_revenue_line_months') }}
    group by 1, 2

),

revenue_digests as (

    select
        account_id,
        {{ digest(hash_values(['line_item_id', 'line_digest'])) }}
            as lines_digest
    from revenue_line_digests
    group by 1

),

account_inputs as (

    select
        revenue_digests.account_id,
        {{ hash_values([
            'revenue_digests.lines_digest', 'users_digests.users_digest',
            'accounts.account_name', 'accounts.employee_count',
            'accounts.country_code', 'accounts.industry',
            'accounts.acquisition_channel', 'plans_digest.plans_digest']) }}
            as input_digest,
        -- The segment attributes (section 8), as the account is now.
        accounts.account_name,
        accounts.employee_count,
        coalesce(size_bands.company_size, 'unknown') as company_size,
        coalesce(accounts.country_code, 'unknown') as country,
        coalesce(country_regions.region, 'unknown') as region,
        coalesce(accounts.industry, 'unknown') as industry,
        coalesce(accounts.acquisition_channel, 'unknown')
            as acquisition_channel
    from revenue_digests
    left join users_digests
        on revenue_digests.account_id = users_digests.account_id
    left join accounts
        on revenue_digests.account_id = accounts.account_id
    left join size_bands
        on
            accounts.employee_count >= size_bands.min_employees
            and (
                size_bands.max_employees is null
                or accounts.employee_count <= size_bands.max_employees
            )
    left join country_regions
        on accounts.country_code = country_regions.country_code
    cross join plans_digest

),

{% if is_incremental() %}

{{ changed_accounts_ctes('account_inputs', 'input_digest') }}

-- The open months: from the month of the as-of date under which the stored
-- rows, or the fact's rows if earlier, were computed.
open_from as (

    select
        least(
            {{ month_of('(select max(as_of_date) from ' ~ this ~ ')') }},
            {{ month_of('(select as_of_date from revenue_as_of)') }}
        ) as month

),

-- The accounts' first paying month, where it lies in a closed month: the
-- open months may only add one.
stored_cohorts as (

    select
        stored.account_id,
        min(stored.month) as cohort_month
    from {{ this }} as stored
    cross join open_from
    where
        stored.is_paying
        and stored.month < open_from.month
        and stored.account_id not in (
            select changed_accounts.account_id from changed_accounts
        )
    group by 1

),

{% endif %}

-- The fact rows to read: every month of the accounts to compute, and the
-- open months (with the month before, to compare) of every account.
{% if is_incremental() %}

contributions as (

    select revenue.*
    from revenue
    cross join open_from
    where
        revenue.is_mrr_contribution
        and (
            revenue.account_id in (
                select changed_accounts.account_id from changed_accounts
            )
            or revenue.month >= {{ add_months('open_from.month', -1) }}
            or open_from.month is null
        )

),

{% else %}

    contributions as (

        select * from revenue
        where is_mrr_contribution

    ),

{% endif %}

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
        ) as gross_mrr,
        -- The month this one is "the month before" of: the months are
        -- compared on equal keys (account, month), never on the account
        -- alone.
        {{ add_months('month', 1) }} as next_month
    from contributions
    group by 1, 2

),

-- The months to compute: each month with a contribution, and the month
-- after a paying month (the account may have churned), within the months
-- reported.
account_month_keys as (

    select
        account_id,
        month
    from account_mrr

    union

    select
        account_mrr.account_id,
        months.month
    from account_mrr
    inner join months
        on account_mrr.month = months.previous_month
    where account_mrr.mrr > 0

),

{% if is_incremental() %}

computed_keys as (

    select account_month_keys.*
    from account_month_keys
    cross join open_from
    where
        account_month_keys.month >= open_from.month
        or open_from.month is null
        or account_month_keys.account_id in (
            select changed_accounts.account_id from changed_accounts
        )

),

{% else %}

    computed_keys as (

        select * from account_month_keys

    ),

{% endif %}

plan_mrr as (

    select
        contributions.account_id,
        contributions.month,
        -- Per plan id of the lines: each unknown plan is a plan of its own,
        -- lines without a plan one group; both have tier unknown.
        contributions.plan_id,
        plans.tier_rank,
        coalesce(plans.tier, 'unknown') as plan_tier,
        -- Rounded as account MRR is (section 3), so that a tie is a tie.
        round(sum(contributions.mrr_amount), 6) as plan_mrr
    from contributions
    left join plans
        on contributions.plan_id = plans.plan_id
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

-- MRR in each foreign currency, before and after conversion (section 10):
-- the reporting currency has no FX effect.
currency_mrr as (

    select
        account_id,
        month,
        currency,
        cast(
            sum(original_mrr_amount) as {{ type_money_precise() }}
        ) as original_mrr_amount,
        cast(sum(mrr_amount) as {{ type_money_precise() }}) as mrr_amount,
        {{ add_months('month', 1) }} as next_month
    from contributions
    where currency != {{ reporting_currency() }}
    group by 1, 2, 3

),

-- The FX effect of each currency with a positive MRR in both months
-- (compared rounded to 6 places, as account MRR is): rep(M) - orig(M) *
-- rep(M-1) / orig(M-1), written as the change in the reporting currency
-- less the change in the currency at the rate of M-1, so that an amount
-- unchanged in its currency gives exactly the change in the reporting
-- currency.
currency_effects as (

    select
        current_month.account_id,
        current_month.month,
        current_month.mrr_amount - previous_month.mrr_amount
        -- A macro: Spark has no decimal type that holds this product.
        - cast(
            {{ money_times_ratio(
                '(current_month.original_mrr_amount'
                ~ ' - previous_month.original_mrr_amount)',
                'previous_month.mrr_amount',
                'previous_month.original_mrr_amount') }}
            as {{ type_money_precise() }}
        ) as fx_amount
    from currency_mrr as current_month
    inner join currency_mrr as previous_month
        on
            current_month.account_id = previous_month.account_id
            and current_month.currency = previous_month.currency
            and current_month.month = previous_month.next_month
    where
        round(current_month.original_mrr_amount, 6) > 0
        and round(previous_month.original_mrr_amount, 6) > 0

),

account_effects as (

    select
        account_id,
        month,
        cast(round(sum(fx_amount), 6) as {{ type_money_rounded() }}) as fx_mrr
    from currency_effects
    group by 1, 2

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
        users.account_id,
        cast(users.created_at as date) as created_date,
        cast(users.deactivated_at as date) as deactivated_date
    from users
    where users.account_id in (
        select computed_keys.account_id from computed_keys
    )

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

-- Each account's user changes and its months on one timeline; a month's
-- changes come before its own row, so they count in it.
timeline as (

    select
        account_id,
        month,
        sum(user_delta) as user_delta,
        0 as is_account_month
    from user_changes
    group by 1, 2

    union all

    select
        account_id,
        month,
        0 as user_delta,
        1 as is_account_month
    from computed_keys

),

running_users as (

    select
        account_id,
        month,
        is_account_month,
        sum(user_delta) over (
            partition by account_id
            order by month, is_account_month
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
    where is_account_month = 1

),

compared as (

    select
        computed_keys.account_id,
        computed_keys.month,
        current_month.account_id is not null as has_mrr_contribution,
        -- Cast: PostgreSQL's coalesce with 0 drops the type's scale.
        cast(
            coalesce(current_month.mrr, 0) as {{ type_money_rounded() }}
        ) as mrr,
        cast(
            coalesce(current_month.gross_mrr, 0) as {{ type_money_rounded() }}
        ) as gross_mrr,
        coalesce(current_month.mrr, 0) > 0 as is_paying,
        -- An account not paying counts 0 (section 10).
        case
            when previous_month.mrr > 0 then previous_month.mrr
            else cast(0 as {{ type_money_rounded() }})
        end as previous_mrr,
        account_effects.fx_mrr
    from computed_keys
    left join account_mrr as current_month
        on
            computed_keys.account_id = current_month.account_id
            and computed_keys.month = current_month.month
    left join account_mrr as previous_month
        on
            computed_keys.account_id = previous_month.account_id
            and computed_keys.month = previous_month.next_month
    left join account_effects
        on
            computed_keys.account_id = account_effects.account_id
            and computed_keys.month = account_effects.month

),

-- The first paying month (section 9): over the months computed, or for an
-- account computed in the open months only, its first closed paying month.
first_paying_months as (

    select
        account_id,
        min(case when is_paying then month end) as first_paying_month
    from compared
    group by 1

),

{% if is_incremental() %}

cohorts as (

    select
        first_paying_months.account_id,
        coalesce(
            stored_cohorts.cohort_month,
            first_paying_months.first_paying_month
        ) as cohort_month
    from first_paying_months
    left join stored_cohorts
        on first_paying_months.account_id = stored_cohorts.account_id

),

{% else %}

    cohorts as (

        select
            account_id,
            first_paying_month as cohort_month
        from first_paying_months

    ),

{% endif %}

with_tenure as (

    select
        compared.*,
        account_inputs.input_digest,
        account_inputs.account_name,
        account_inputs.employee_count,
        account_inputs.company_size,
        account_inputs.country,
        account_inputs.region,
        account_inputs.industry,
        account_inputs.acquisition_channel,
        -- Only a paying month belongs to the cohort's curve.
        case
            when compared.is_paying then cohorts.cohort_month
        end as cohort_month,
        case
            when compared.is_paying
                then {{ calendar_months_between(
                    'cohorts.cohort_month', 'compared.month') }}
        end as months_since_cohort
    from compared
    inner join cohorts
        on compared.account_id = cohorts.account_id
    inner join account_inputs
        on compared.account_id = account_inputs.account_id

),

computed as (

    select
        with_tenure.account_id,
        with_tenure.month,
        with_tenure.has_mrr_contribution,
        with_tenure.mrr,
        with_tenure.gross_mrr,
        with_tenure.is_paying,
        coalesce(active_users.active_users, 0) as active_users,
        -- An account without active users counts as one user.
        greatest(coalesce(active_users.active_users, 0), 1) as user_count,
        ranked_plans.plan_id as top_plan_id,
        ranked_plans.plan_tier,
        with_tenure.previous_mrr,
        -- Only a change between two paying months has an FX effect.
        case
            when with_tenure.previous_mrr > 0 and with_tenure.is_paying
                then coalesce(with_tenure.fx_mrr, 0)
            else cast(0 as {{ type_money_rounded() }})
        end as fx_mrr,
        with_tenure.cohort_month,
        with_tenure.month = with_tenure.cohort_month as is_new,
        with_tenure.months_since_cohort,
        {{ tenure_band('with_tenure.months_since_cohort') }} as tenure_band,
        with_tenure.account_name,
        with_tenure.employee_count,
        with_tenure.company_size,
        with_tenure.country,
        with_tenure.region,
        with_tenure.industry,
        with_tenure.acquisition_channel,
        with_tenure.input_digest,
        revenue_as_of.as_of_date,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
            as computed_in_invocation
    from with_tenure
    cross join revenue_as_of
    left join active_users
        on
            with_tenure.account_id = active_users.account_id
            and with_tenure.month = active_users.month
    left join ranked_plans
        on
            with_tenure.account_id = ranked_plans.account_id
            and with_tenure.month = ranked_plans.month
            and ranked_plans.plan_order = 1

),

{% if is_incremental() %}

-- Each stored row recomputed comes once more with input_digest NULL: it
-- only carries the key, so that the replace_keys strategy deletes it even
-- when the new rows no longer hold it.
removals as (

    select
        stored.account_id,
        stored.month,
        cast(null as {{ dbt.type_boolean() }}) as has_mrr_contribution,
        {%- for column in ['mrr', 'gross_mrr'] %}
        cast(null as {{ type_money_rounded() }}) as {{ column }},
        {%- endfor %}
        cast(null as {{ dbt.type_boolean() }}) as is_paying,
        cast(null as {{ dbt.type_bigint() }}) as active_users,
        cast(null as {{ dbt.type_bigint() }}) as user_count,
        cast(null as {{ dbt.type_string() }}) as top_plan_id,
        cast(null as {{ dbt.type_string() }}) as plan_tier,
        cast(null as {{ type_money_rounded() }}) as previous_mrr,
        cast(null as {{ type_money_rounded() }}) as fx_mrr,
        cast(null as date) as cohort_month,
        cast(null as {{ dbt.type_boolean() }}) as is_new,
        cast(null as integer) as months_since_cohort,
        cast(null as {{ dbt.type_string() }}) as tenure_band,
        cast(null as {{ dbt.type_string() }}) as account_name,
        cast(null as {{ dbt.type_bigint() }}) as employee_count,
        {%- for column in ['company_size', 'country', 'region', 'industry',
                           'acquisition_channel'] %}
        cast(null as {{ dbt.type_string() }}) as {{ column }},
        {%- endfor %}
        cast(null as {{ digest_type() }}) as input_digest,
        cast(null as date) as as_of_date,
        cast(null as {{ dbt.type_string() }}) as computed_in_invocation
    from {{ this }} as stored
    cross join open_from
    where
        stored.month >= open_from.month
        or stored.account_id in (
            select changed_accounts.account_id from changed_accounts
        )

),

{% endif %}

final as (

    select * from computed
    {%- if is_incremental() %}
    union all
    select * from removals
    {%- endif %}

)

select * from final
