-- Is the base growing by itself (docs/metrics.md section 15)? Net and gross
-- revenue retention of the accounts paying 1 and 12 months before, the
-- quick ratio, and how much of MRR the largest accounts hold. Grain: month;
-- every reported month has a row.
with

months as (

    select * from {{ ref('int_reporting_months') }}

),

account_months as (

    select * from {{ ref('int_account_months') }}

),

movements as (

    select * from {{ ref('int_mrr_movement_months') }}

),

-- MRR_a(M): the account's MRR in a month it pays. A month it does not pay
-- (no row, or MRR 0 or below) counts 0, as in mart_mrr_movements.
paying as (

    select
        account_id,
        month,
        mrr
    from account_months
    where is_paying

),

-- S_k(M) for k = 1 and 12: every account paying in M-k, with its MRR then
-- and in M.
retention_bases as (

    {% for months_back in [1, 12] %}
        select
            {{ months_back }} as months_back,
            base.month as base_month,
            base.mrr as base_mrr,
            cast(coalesce(later.mrr, 0) as {{ type_money_rounded() }})
                as retained_mrr
        from paying as base
        left join paying as later
            on
                base.account_id = later.account_id
                and {{ add_months('base.month', months_back) }} = later.month
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

retention as (

    select
        months_back,
        base_month,
        count(*) as base_accounts,
        sum(base_mrr) as base_mrr,
        sum(retained_mrr) as retained_mrr,
        -- Gross retention counts no account above what it paid in M-k.
        sum(least(retained_mrr, base_mrr)) as gross_retained_mrr
    from retention_bases
    group by 1, 2

),

-- Each paying account's place in its month, largest MRR first (ties in
-- any order: tied accounts add the same MRR).
ranked as (

    select
        month,
        mrr,
        row_number() over (partition by month order by mrr desc) as mrr_rank,
        count(*) over (partition by month) as paying_accounts
    from paying

),

concentration as (

    select
        month,
        sum(mrr) as mrr,
        sum(case when mrr_rank <= 10 then mrr else 0 end) as top10_mrr,
        -- The ceil(N / 10) largest: rank r with r - 1 < N / 10.
        sum(
            case when 10 * (mrr_rank - 1) < paying_accounts then mrr else 0 end
        ) as top_decile_mrr
    from ranked
    group by 1

),

final as (

    select
        months.month,
        {{ safe_ratio('one_month.retained_mrr', 'one_month.base_mrr') }}
            as nrr_1m,
        {{ safe_ratio('one_month.gross_retained_mrr', 'one_month.base_mrr') }}
            as grr_1m,
        {{ safe_ratio('twelve_months.retained_mrr', 'twelve_months.base_mrr') }}
            as nrr_12m,
        {{ safe_ratio(
            'twelve_months.gross_retained_mrr', 'twelve_months.base_mrr') }}
            as grr_12m,
        cast(
            coalesce(twelve_months.base_accounts, 0) as {{ dbt.type_bigint() }}
        ) as accounts_12m_ago,
        -- The FX effect is neither gained nor lost MRR.
        {{ safe_ratio(
            'movements.new_mrr + movements.expansion_mrr'
            ~ ' + movements.reactivation_mrr',
            'movements.contraction_mrr + movements.churned_mrr') }}
            as quick_ratio,
        {{ safe_ratio('concentration.top10_mrr', 'concentration.mrr') }}
            as top10_mrr_share,
        {{ safe_ratio('concentration.top_decile_mrr', 'concentration.mrr') }}
            as top_decile_mrr_share
    from months
    left join retention as one_month
        on
            one_month.months_back = 1
            and months.previous_month = one_month.base_month
    left join retention as twelve_months
        on
            twelve_months.months_back = 12
            and {{ add_months('months.month', -12) }} = twelve_months.base_month
    left join movements
        on months.month = movements.month
    left join concentration
        on months.month = concentration.month

)

select * from final
