-- docs/metrics.md section 8: for every month and segment type, the segment
-- rows add up to mart_arpu_monthly's paying_accounts and mrr (unknown
-- values included), and no segment type is missing from a paying month.
-- A failing row names the month and segment type, with the values
-- compared. Counts and exact decimals (account MRR rounded to 6 places):
-- compared exactly, no float tolerance.
with

monthly as (

    select * from {{ ref('mart_arpu_monthly') }}

),

segments as (

    select * from {{ ref('mart_arpu_by_segment') }}

),

segment_types as (

    {{ segment_types_rows() }}

),

totals as (

    select
        month,
        segment_type,
        sum(paying_accounts) as paying_accounts,
        sum(paying_users) as paying_users,
        sum(mrr) as mrr
    from segments
    group by 1, 2

),

final as (

    select
        monthly.month,
        'mart_arpu_by_segment' as model_name,
        segment_types.segment_type,
        monthly.paying_accounts,
        totals.paying_accounts as segment_paying_accounts,
        monthly.paying_users,
        totals.paying_users as segment_paying_users,
        monthly.mrr,
        totals.mrr as segment_mrr
    from monthly
    cross join segment_types
    left join totals
        on
            monthly.month = totals.month
            and segment_types.segment_type = totals.segment_type
    where
        coalesce(totals.paying_accounts, 0) != monthly.paying_accounts
        or coalesce(totals.paying_users, 0) != monthly.paying_users
        or coalesce(totals.mrr, 0) != monthly.mrr

)

select * from final
