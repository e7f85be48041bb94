-- docs/metrics.md section 9: in its own month a cohort has expansion 0,
-- logo retention 1 and net MRR retention 1; it never retains more logos
-- than it started with. A failing row names the month and the cohort
-- (segment type cohort_month), with the values compared. The three are
-- ratios of money, unitless and near 0 or 1, so 1e-9 is already a relative
-- tolerance: far above a double's rounding (1e-16), far below a real
-- mistake.
with

cohorts as (

    select * from {{ ref('mart_arpu_by_cohort') }}

),

final as (

    select
        month,
        'mart_arpu_by_cohort' as model_name,
        'cohort_month' as segment_type,
        cast(cohort_month as {{ dbt.type_string() }}) as segment_value,
        months_since_cohort,
        cohort_accounts,
        paying_accounts,
        arpa_expansion,
        logo_retention,
        net_mrr_retention
    from cohorts
    where
        (
            months_since_cohort = 0
            and (
                abs(arpa_expansion) > 1e-9
                or abs(logo_retention - 1) > 1e-9
                or abs(net_mrr_retention - 1) > 1e-9
                or paying_accounts != cohort_accounts
            )
        )
        or paying_accounts > cohort_accounts

)

select * from final
