-- One row per rejected row and reason: rejected_rows with its reason list
-- split, for counting rejections by reason.
with

rejected as (

    select * from {{ ref('rejected_rows') }}

),

-- A row fails at most a few dozen checks; 64 positions is ample.
positions as (

    {{ dbt.generate_series(64) }}

),

split as (

    select
        rejected.source_table,
        rejected.row_key,
        trim({{ arpu.split_part_at(
            'rejected.rejection_reasons', "','",
            'positions.generated_number') }}) as rejection_reason
    from rejected
    cross join positions

),

-- A date or time that does not cast names the forms that do: exports
-- differ most there (docs/billing_contract.md).
final as (

    select
        source_table,
        row_key,
        rejection_reason,
        {{ arpu.expected_forms('source_table', 'rejection_reason') }}
            as expected_forms
    from split
    where rejection_reason is not null and rejection_reason != ''

)

select * from final
