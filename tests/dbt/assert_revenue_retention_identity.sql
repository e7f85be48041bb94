-- docs/metrics.md section 15: nrr_1m = (opening + expansion - contraction
-- - churned + fx) / opening of mart_mrr_movements when opening > 0, and
-- NULL when opening = 0 (nobody paid in M-1); gross retention is never
-- above 1 nor above net retention. A failing row names the month and the
-- values compared.
--
-- Both sides divide the same exact decimal sums, so they agree to a double
-- rounding or two: 1e-12 relative still catches an account counted wrong.
with

retention as (

    select * from {{ ref('mart_revenue_retention') }}

),

movements as (

    select * from {{ ref('mart_mrr_movements') }}

),

compared as (

    select
        retention.month,
        retention.nrr_1m,
        retention.grr_1m,
        retention.nrr_12m,
        retention.grr_12m,
        movements.opening_mrr,
        {{ safe_ratio(
            'movements.opening_mrr + movements.expansion_mrr'
            ~ ' - movements.contraction_mrr - movements.churned_mrr'
            ~ ' + movements.fx_mrr',
            'movements.opening_mrr') }} as nrr_from_movements
    from retention
    inner join movements
        on retention.month = movements.month

),

final as (

    select * from compared
    where
        (opening_mrr > 0) != (nrr_1m is not null)
        or abs(nrr_1m - nrr_from_movements) > 1e-12 * abs(nrr_from_movements)
        or grr_1m > 1 + 1e-12
        or grr_12m > 1 + 1e-12
        or grr_1m > nrr_1m + 1e-12
        or grr_12m > nrr_12m + 1e-12

)

select * from final
