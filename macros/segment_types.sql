{#- The segment types of docs/metrics.md section 8, each a column of
    dim_active_customers; the one list every segment model reads. -#}
{% macro segment_types() %}
    {{ return([
        'company_size', 'plan_tier', 'tenure_band', 'region',
        'country', 'industry', 'acquisition_channel',
    ]) }}
{% endmacro %}
