-- docs/metrics.md section 9: in its own month a cohort has expansion 0,
-- logo retention 1 and net MRR retention 1; it never retains more logos
-- than it started with.
with

cohorts as (

    select * from {{ ref('mart_arpu_by_cohort') }}

),

final as (

    select *
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
