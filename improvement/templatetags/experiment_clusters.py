from django import template

from improvement import cluster_text

register = template.Library()


@register.filter
def cluster_sentences(readout):
    return cluster_text.cluster_sentences(readout)


@register.filter
def before_after_sentence(did):
    return cluster_text.before_after_sentence(did)
