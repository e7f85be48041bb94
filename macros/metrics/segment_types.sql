{#- The segment types of docs/metrics.md section 8, each a column of
    dim_active_customers; the one list every segment model reads. -#}
{% macro segment_types() %}
    {{ return([
        'company_size', 'plan_tier', 'tenure_band', 'region',
        'country', 'industry', 'acquisition_channel',
    ]) }}
{% endmacro %}

{#- The segment types as rows of one column, segment_type. -#}
{% macro segment_types_rows() -%}
    {%- for segment_type in arpu.segment_types() %}
    select '{{ segment_type }}' as segment_type
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- The segment type, and value, of the whole base in int_segment_months:
    every paying account, once. -#}
{% macro whole_base() %}
    {{ return('all') }}
{% endmacro %}

{#- The tenure_band segment (docs/metrics.md section 8): months since the
    account's cohort month, in bands; NULL for a month not in a cohort's
    curve (not paying). -#}
{% macro tenure_band(months_since_cohort) -%}
    case
        when {{ months_since_cohort }} < 3 then '0-2m'
        when {{ months_since_cohort }} < 6 then '3-5m'
        when {{ months_since_cohort }} < 12 then '6-11m'
        when {{ months_since_cohort }} < 24 then '12-23m'
        when {{ months_since_cohort }} >= 24 then '24m+'
    end
{%- endmacro %}
