{#- How the published fact and dimension are materialized: views of their
    intermediate tables, so that a run copies no line-grain table. On Spark,
    tables: its builds alternate between two databases whose tables the
    summary and the checks read as Parquet files, and every run rebuilds
    them anyway. -#}
{% macro published_materialization() %}
    {{ return(adapter.dispatch('published_materialization', 'arpu')()) }}
{% endmacro %}

{% macro default__published_materialization() %}
    {{ return('view') }}
{% endmacro %}

{% macro spark__published_materialization() %}
    {{ return('table') }}
{% endmacro %}
